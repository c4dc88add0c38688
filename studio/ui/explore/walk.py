"""The favourites of a run (RUN/favourites.json, shown in the strip and offered to the style mixer) and
the two animations of the canvas: a smooth random walk and the favourites' loop. A mixin of ExploreTab
(studio/ui/explore/tab.py), which holds the render worker, the canvas model and the panels."""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import StudioError
from studio.core.explore.canvas import Favourites
from studio.core.explore.render import Recipe
from studio.ui.explore.render_worker import ImageJob, ThumbsJob

WALK_INTERVAL_MS = 33


class WalkAndFavourites:
    """Favourites and the walk for ExploreTab."""

    favourites: Favourites | None = None

    def open_favourites(self, run: Path | None) -> None:
        """The favourites of `run` (None: a checkpoint outside a run, which keeps none)."""
        self.favourite_strip.clear()
        self.favourites = None
        if run is not None:
            try:
                self.favourites = Favourites.load(run)
            except StudioError as e:
                self.say(str(e))
        self._favourites_changed()
        if self.favourites is not None and self.favourites.items:
            self.worker.submit(ThumbsJob(tuple(f.recipe for f in self.favourites.items)))

    def _favourites_changed(self) -> None:
        recipes = [f.recipe for f in self.favourites.items] if self.favourites is not None else []
        for tool in self.tools.values():
            tool.favourites_changed(recipes)

    def _thumbs_ready(self, token: int, images: list, recipes: tuple) -> None:
        if self.favourites is None:
            return
        names = {id(f.recipe): f.name for f in self.favourites.items}
        for image, recipe in zip(images, recipes, strict=True):
            self.favourite_strip.add(image, recipe, names.get(id(recipe), ""))

    def _play(self, on: bool) -> None:
        self._loop_favourites = False
        if on:
            self.play_favourites.setChecked(False)
            self.walk_timer.start()
        elif not self.play_favourites.isChecked():
            self.walk_timer.stop()
            self.render()

    def _play_favourites(self, on: bool) -> None:
        if on and (self.favourites is None or not self.favourites.items):
            self.say("Add favourites first (♥): the loop plays through them in order.")
            self.play_favourites.setChecked(False)
            return
        if on:
            self.controls.play.setChecked(False)
            self._loop_favourites = True
            self._walk_phase = 0.0
            self.walk_timer.start()
        else:
            self._loop_favourites = False
            if not self.controls.play.isChecked():
                self.walk_timer.stop()
                self.render()

    def _walk_tick(self) -> None:
        self._walk_phase = (self._walk_phase + WALK_INTERVAL_MS / 1000 * self._walk_speed / 60) % 1.0
        if self._loop_favourites and self.favourites is not None and self.favourites.items:
            keys = tuple(f.recipe for f in self.favourites.items)
            self._latest = self.worker.submit(ImageJob(Recipe(), keyframes=(keys, self._walk_phase)))
            return
        try:
            recipe = self.model.state.recipe()
        except StudioError:
            recipe = Recipe()
        self._latest = self.worker.submit(ImageJob(recipe, walk=(self.controls.seed.value(), self._walk_phase)))

    def add_favourite(self) -> None:
        if self.current_recipe is None:
            self.say("Nothing to keep yet.")
            return
        if self.favourites is None:
            self.say("Favourites are saved in a run folder; this checkpoint is not inside one.")
            return
        try:
            fav = self.favourites.add(f"favourite {len(self.favourites.items) + 1}", self.current_recipe)
        except StudioError as e:
            self.say(str(e))
            return
        self.favourite_strip.add(self._last_image, fav.recipe, fav.name)
        self._favourites_changed()
        self.say(f"Kept as {fav.name}.")

