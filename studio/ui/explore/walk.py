"""The two animations of the Explore canvas: a smooth looping random walk from the seed field, and the loop
through the run's favourites (the keyframes of an animation). Each has its toggle; starting one stops the
other; stopping both renders the canvas again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QAbstractButton

from studio.core.errors import StudioError
from studio.core.explore.canvas import CanvasState
from studio.core.explore.render import Recipe
from studio.ui.explore.render_worker import ImageJob

WALK_INTERVAL_MS = 33


class Walk(QObject):
    def __init__(self, parent: QObject, *, walk_button: QAbstractButton, loop_button: QAbstractButton,
                 request_image: Callable[[ImageJob], object], canvas: Callable[[], CanvasState],
                 seed: Callable[[], int], keyframes: Callable[[], tuple[Recipe, ...]],
                 rest: Callable[[], object], say: Callable[[str], None]) -> None:
        """`request_image` sends a frame to the render thread; `canvas` is the canvas now (the walk keeps its
        picture's truncation and noise), `seed` the walk's, `keyframes` the favourites; `rest` shows the
        canvas again when both stop; `say` explains a loop with no favourites."""
        super().__init__(parent)
        self.walk_button, self.loop_button = walk_button, loop_button
        self.request_image, self.canvas, self.seed = request_image, canvas, seed
        self.keyframes, self.rest, self.say = keyframes, rest, say
        self.phase = 0.0
        self.speed = 6.0  # loops per minute
        self.looping_favourites = False
        self.timer = QTimer(self)
        self.timer.setInterval(WALK_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)

    def playing(self) -> bool:
        return self.timer.isActive()

    def set_speed(self, loops_per_minute: float) -> None:
        self.speed = loops_per_minute

    def play_walk(self, on: bool) -> None:
        self.looping_favourites = False
        if on:
            self.loop_button.setChecked(False)
            self.timer.start()
        elif not self.loop_button.isChecked():
            self.timer.stop()
            self.rest()

    def play_loop(self, on: bool) -> None:
        if on and not self.keyframes():
            self.say("Add favourites first (♥): the loop plays through them in order.")
            self.loop_button.setChecked(False)
            return
        if on:
            self.walk_button.setChecked(False)
            self.looping_favourites = True
            self.phase = 0.0
            self.timer.start()
        else:
            self.looping_favourites = False
            if not self.walk_button.isChecked():
                self.timer.stop()
                self.rest()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        self.phase = (self.phase + WALK_INTERVAL_MS / 1000 * self.speed / 60) % 1.0
        keys = self.keyframes() if self.looping_favourites else ()
        if keys:
            self.request_image(ImageJob(Recipe(), keyframes=(keys, self.phase)))
            return
        try:
            base = self.canvas().recipe()
        except StudioError:  # no pins: the walk needs none
            base = Recipe()
        self.request_image(ImageJob(base, walk=(self.seed(), self.phase)))
