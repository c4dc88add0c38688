"""The Explore tab: open a run or checkpoint, explore its latent space live, mix styles, export artworks.

Widgets edit a headless CanvasModel (studio.core.explore.canvas) and send typed jobs to one RenderWorker;
nothing here touches tensors. The tab owns the canvas's editing (drags and slider sessions as undo steps, the
History) and is the tools' `ToolHost`; composed with it: its widgets (`ui`, tab_layout.py), the walk
(walk.py), the favourites (favourites_shelf.py), the canvas remembered per run (canvas_memory.py), the pictures
it opens (picture_opening.py) and its dialogs (tab_dialogs.py). Call `shutdown()` (or close the tab) to stop
the worker thread.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from superqt.utils import qdebounced

from studio.core.errors import StudioError
from studio.core.explore.canvas import CanvasModel, CanvasState
from studio.core.explore.render import Recipe
from studio.core.formats.run import RunDir
from studio.ui.base.folders import default_export_folder
from studio.ui.explore.canvas_memory import CanvasMemory
from studio.ui.explore.export_memory import ExportMemory
from studio.ui.explore.favourites_shelf import FavouritesShelf
from studio.ui.explore.latent_controls import LatentControls
from studio.ui.explore.none_guard import make_none_immortal
from studio.ui.explore.picture_opening import PictureOpening
from studio.ui.explore.render_worker import DirectionsJob, ImageJob, Opened, OpenJob, PinThumbsJob, RenderWorker
from studio.ui.explore.tab_dialogs import ExploreDialogs
from studio.ui.explore.tab_layout import ExploreWidgets, build_explore_layout
from studio.ui.explore.tool import Tool
from studio.ui.explore.tool_runs import ToolRuns
from studio.ui.explore.tools import EXPLORE_TOOLS
from studio.ui.explore.walk import Walk


class ExploreTab(QWidget):
    """The artist's instrument: a latent canvas, its tools (`*_tool.py`, one file each) and export; the `ToolHost`
    of studio/ui/explore/tool.py."""

    image_shown = Signal(int)  # token of the image now on screen
    checkpoint_opened = Signal(str)
    export_folder_changed = Signal(str)  # the folder of a file just exported: the next export starts there
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, cache_dir: str | None = None,
                 render_threads: int | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        make_none_immortal()  # PySide6 6.12 + Python 3.11: see none_guard.py
        self.model = CanvasModel()
        self.worker = RenderWorker(self, cache_dir=cache_dir, threads=render_threads)
        self.checkpoint: str | None = None
        self.info: Opened | None = None
        self.current_recipe: Recipe | None = None
        self.last_image: QImage | None = None  # the picture on screen (with current_recipe)
        self._latest = 0  # newest image token requested
        self._shown = 0  # newest image token shown
        self._dragging = False
        self._editing = False  # a slider session has begun its undo step
        self._synced_once = False
        self._history_shown = (False, False)
        self.cache_dir = cache_dir
        self.export_folder = default_export_folder()  # the window gives the remembered one
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        self.tools: dict[str, Tool] = {cls.name: cls() for cls in EXPLORE_TOOLS}
        self.runs = ToolRuns(self)
        self.ui: ExploreWidgets = build_explore_layout(self, self.tools.values())
        ui = self.ui
        self.favourites = FavouritesShelf(ui.favourite_strip, self.worker.submit, self.say, self._favourites_changed)
        self.walk = Walk(self, walk_button=ui.controls.play, loop_button=ui.play_favourites,
                         request_image=self.request_image, canvas=lambda: self.model.state,
                         seed=ui.controls.seed.value, keyframes=self.favourites.recipes, rest=self.render,
                         say=self.say)
        self.memory = CanvasMemory(self, lambda: self.model.state, self.say)
        self.pictures = PictureOpening(self, checkpoint=lambda: self.checkpoint, open_checkpoint=self.open_checkpoint,
                                       show_recipe=self._show_picture, say=self.say)
        self.dialogs = ExploreDialogs(self, self.exported, ExportMemory(settings))  # remembers the last choices
        self.setAcceptDrops(True)
        for tool in self.tools.values():
            tool.attach(self)

        self.worker.opened.connect(self._opened)
        self.worker.image_ready.connect(self._image_ready)
        self.worker.directions_ready.connect(lambda _t, n: self.say(f"{n} principal directions ready."))
        self.worker.failed.connect(self.say)
        self.worker.thumbs_ready.connect(self.favourites.thumbs_ready)
        self.worker.pin_thumbs_ready.connect(self._pin_thumbs_ready)
        ui.open_button.clicked.connect(self.pictures.browse)
        ui.export_button.clicked.connect(self.show_export)
        ui.upscaler_button.clicked.connect(self.show_upscaler)
        ui.view.shown.connect(lambda: self.image_shown.emit(self._shown))
        ui.play_favourites.toggled.connect(self.walk.play_loop)
        c = ui.canvas
        c.drag_started.connect(self._drag_started)
        c.cursor_moved.connect(lambda x, y: self._edit(self.model.move_cursor(x, y, record=False)))
        c.pin_moved.connect(lambda i, x, y: self._edit(self.model.move_pin(i, x, y, record=False)))
        c.drag_finished.connect(self._drag_finished)
        c.pin_added.connect(self._pin_added)
        c.pin_removed.connect(lambda i: self._edit(self.model.remove_pin(i)))
        c.pin_reseeded.connect(lambda i, s: self._edit(self.model.reseed_pin(i, s)))
        k = ui.controls
        k.add_pin.connect(lambda s: self._edit(self.model.add_pin(s, random.random(), random.random())))
        k.truncation_changed.connect(lambda psi: self.slider_edit(truncation=psi))
        k.truncation_committed.connect(self.slider_done)
        k.play_toggled.connect(self.walk.play_walk)
        k.speed_changed.connect(self.walk.set_speed)
        k.undo.connect(self.undo)
        k.redo.connect(self.redo)
        k.favourite.connect(self.add_favourite)
        ui.history.chosen.connect(self.use_recipe)
        ui.favourite_strip.chosen.connect(self.use_recipe)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        QShortcut(QKeySequence.StandardKey.Redo, self, self.redo)
        self._slider_rest = qdebounced(self._slider_rested, 700, parent=self)
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(200)
        self._thumb_timer.timeout.connect(self._request_pin_thumbs)
        self._sync()

    @property
    def status(self) -> QLabel:  # the line under the picture (the window reads it after a refused picture)
        return self.ui.status

    @property
    def controls(self) -> LatentControls:  # ToolHost: the tools' buttons there
        return self.ui.controls

    # ---- opening
    def open_checkpoint(self, path: str) -> None:
        """Open a run folder (its latest checkpoint) or a .safetensors checkpoint; renders off the GUI thread."""
        self.ui.source.set_full_text(f"Opening {path}…")
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.submit(OpenJob(str(path)))
        self.render()

    def open_picture(self, path: str) -> bool:
        """A PNG exported by the studio: its checkpoint (unless one is open) and its recipe on the canvas."""
        return self.pictures.open_picture(path)

    def _show_picture(self, recipe: Recipe) -> None:
        try:
            self._edit(self.model.set_picture(recipe))
        except StudioError as e:
            self.say(str(e))

    def _opened(self, info: Opened) -> None:
        self.info = info
        other_model = info.checkpoint != self.checkpoint
        if other_model:  # what the last model drew is not this one's
            self.ui.history.clear()
        self.checkpoint = info.checkpoint
        in_run = RunDir.of_checkpoint(info.checkpoint)
        run = in_run.path if in_run is not None else None  # None: a loose checkpoint
        self.ui.source.set_full_text(f"{info.checkpoint}  ·  {info.model} · {info.width}×{info.height} px · "
                                     f"step {info.step}")
        self.ui.export_button.setEnabled(True)
        self.ui.upscaler_button.setEnabled(run is not None)  # it learns from the run's folder
        for tool in self.tools.values():
            tool.opened(info, other_model)
        if self.model.state.noise_layers is not None and len(self.model.state.noise_layers) != info.noise_layers:
            self.model.update(record=False, noise_layers=None)  # switches of another model do not apply
            self._sync()
        remembered = self.memory.open(run)
        if remembered is not None:
            self.model = CanvasModel(remembered)
            self._edit()
        self.pictures.opened(info.checkpoint)  # the picture being opened wins over the remembered canvas
        self.ui.canvas.thumbs.clear()
        self._request_pin_thumbs()
        self.worker.submit(DirectionsJob())
        self.favourites.open(run)
        self.checkpoint_opened.emit(info.checkpoint)

    # ---- rendering
    def render(self) -> int:
        try:
            recipe = self.model.state.recipe()
        except StudioError as e:
            self.say(str(e))
            return self._latest
        return self.request_image(ImageJob(recipe))

    def request_image(self, job: ImageJob) -> int:
        """Send a picture's job to the render thread: the newest request is the one to show."""
        self._latest = self.worker.submit(job)
        return self._latest

    def _image_ready(self, token: int, image: QImage, recipe: Recipe) -> None:
        if token < self._shown:
            return  # an older answer arriving late: never step back in time
        self._shown = token
        self.current_recipe = recipe
        self.ui.view.set_image(image)
        self.ui.status.setText(f"{image.width()}×{image.height()} px · rendered in "
                               f"{self.worker.render_seconds * 1000:.0f} ms")
        if not self._dragging and not self._editing and not self.walk.playing():
            self.ui.history.add(image, recipe)  # a slider session adds its end only (slider_done)
        self.last_image = image

    def _pin_thumbs_ready(self, token: int, thumbs: dict, truncation: float) -> None:
        if truncation == self.model.state.truncation:
            self.ui.canvas.set_thumbs(thumbs)

    def _request_pin_thumbs(self) -> None:
        if self.checkpoint is None:
            return
        missing = self.ui.canvas.missing_thumbs()
        if missing:
            self.worker.submit(PinThumbsJob(missing, self.model.state.truncation))

    # ---- editing
    def _edit(self, _state=None) -> None:
        self._sync()
        self.render()

    def _sync(self) -> None:
        """Show the model's state; panels are touched only when their fields changed (drags stay cheap)."""
        canvas = self.ui.canvas
        s, before = self.model.state, canvas.state
        if s.truncation != before.truncation:
            canvas.thumbs.clear()  # the pins' pictures depend on truncation
        canvas.set_state(s)
        if s.pins != before.pins or not canvas.thumbs:
            self._request_pin_thumbs()
        first = not self._synced_once
        if first or s.truncation != before.truncation:
            self.ui.controls.set_psi(s.truncation)
        for tool in self.tools.values():
            tool.show_state(s, before, first)
        self._show_history(force=first)
        self._synced_once = True
        self.memory.remember()

    def _show_history(self, force: bool = False) -> None:
        history = (self.model.can_undo(), self.model.can_redo())
        if force or history != self._history_shown:
            self.ui.controls.set_history(*history)
            self._history_shown = history

    def _keep_in_history(self) -> None:
        if self.current_recipe is not None and self.last_image is not None:
            self.ui.history.add(self.last_image, self.current_recipe)

    def _drag_started(self) -> None:
        self._dragging = True
        self.model.begin()

    def _drag_finished(self) -> None:
        self._dragging = False
        self._show_history()
        self._keep_in_history()

    def _pin_added(self, x: float, y: float) -> None:
        seed = self.ui.controls.seed.value()
        self.ui.controls.seed.setValue(seed + 1)
        self._edit(self.model.add_pin(seed, x, y))

    def slider_edit(self, **changes) -> None:
        """A change that is part of a slider's drag (or key presses): one undo step when it ends."""
        if dataclasses.replace(self.model.state, **changes) == self.model.state:
            return
        if "truncation" in changes and self.model.state.w is not None:
            # ψ pulls the pins' blend; a latent from elsewhere is not one: say so rather than render it again.
            self.ui.controls.set_psi(self.model.state.truncation)
            self.say("ψ acts on the pins' blend, not on a picture chosen elsewhere: move the cursor on the canvas "
                     "first.")
            return
        if not self._editing:
            self.model.begin()
            self._editing = True
        self.model.update(record=False, **changes)
        if "truncation" in changes:
            self.ui.canvas.thumbs.clear()
            self._thumb_timer.start()  # new pin pictures once the slider rests (keys or mouse)
        self.ui.canvas.set_state(self.model.state)
        self._show_history()
        self.render()
        self.memory.remember()
        self._slider_rest()  # keys have no release: a pause ends their session

    def _slider_rested(self) -> None:
        if self._editing and QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            self.slider_done()

    def slider_done(self) -> None:
        if not self._editing:
            return
        self._editing = False
        self._request_pin_thumbs()
        if self._shown >= self._latest:
            self._keep_in_history()  # else the pending image adds itself

    def undo(self) -> None:
        if self.model.undo():
            self._editing = False
            self._edit()

    def redo(self) -> None:
        if self.model.redo():
            self._editing = False
            self._edit()

    def use_recipe(self, recipe: Recipe) -> None:
        """Put a latent from the history, the favourites, a tool or a dropped PNG on the canvas."""
        try:
            self._edit(self.model.set_latent(recipe))
        except StudioError as e:
            self.say(str(e))

    def add_favourite(self) -> None:
        self.favourites.add(self.current_recipe, self.last_image)

    def _favourites_changed(self, recipes: list[Recipe]) -> None:
        for tool in self.tools.values():
            tool.favourites_changed(recipes)

    # ---- what the tools get (studio/ui/explore/tool.py: ToolHost)
    @property
    def state(self) -> CanvasState:
        return self.model.state

    def run(self, tool: Tool, work, *request, failure: str):
        return self.runs.run(tool, work, *request, failure=failure)

    def cancel(self, tool: Tool) -> None:
        self.runs.cancel(tool)

    def edit(self, **changes) -> None:
        self._edit(self.model.update(**changes))

    def pin_seed(self, seed: int) -> None:
        """A pin for `seed` on the canvas, with the cursor on it (so its image shows); one undo step."""
        x, y = random.uniform(0.1, 0.9), random.uniform(0.1, 0.9)
        self.model.add_pin(seed, x, y)
        self.model.move_cursor(x, y, record=False)
        self._edit()
        self.say(f"Seed {seed} pinned on the canvas.")

    def show_status(self, text: str) -> None:
        self.ui.status.setText(text)

    def reveal(self, tool: Tool) -> None:
        for pages in (self.ui.side_tabs, self.ui.strips):
            if pages.indexOf(tool.panel) >= 0:
                pages.setCurrentWidget(tool.panel)

    def tool(self, name: str) -> Tool:
        return self.tools[name]

    # ---- export
    def show_export(self) -> None:
        if self.checkpoint is not None:
            self.dialogs.show_export(self.checkpoint, self.current_recipe, list(self.favourites.recipes()),
                                     self.export_folder, self.ui.controls.seed.value(), self.ui.view.image, self.info)

    def show_upscaler(self) -> None:  # Train upscaler…: the open run's learned ×2/×4, in the background
        self.dialogs.show_upscaler(self.checkpoint)

    def exported(self, path: str) -> None:
        self.say(f"Saved {path}")
        self.export_folder = str(Path(path).parent)
        self.export_folder_changed.emit(self.export_folder)

    # ---- drag and drop of an exported PNG: reopen its recipe
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith(".png"):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.open_picture(event.mimeData().urls()[0].toLocalFile())

    def say(self, text: str) -> None:
        self.ui.status.setText(text)
        self.message.emit(text)

    # ---- lifetime
    def shutdown(self) -> None:
        """Stop the walk, the tools, any export and the render thread (the main window calls this when it closes)."""
        self.walk.stop()
        self.memory.flush()
        self.runs.stop_all()
        self.dialogs.shutdown()
        if self.worker.isRunning():
            self.worker.stop()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        super().closeEvent(event)
