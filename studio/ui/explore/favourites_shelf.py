"""The favourites of the open run (RUN/favourites.json): kept with ♥, shown in their strip, offered to the tools
(the style mixer's f1, f2…) and to the favourites' loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.core.explore.canvas import Favourites
from studio.core.explore.render import Recipe
from studio.ui.explore.history_strip import ThumbnailStrip
from studio.ui.explore.render_worker import ThumbsJob


class FavouritesShelf:
    def __init__(self, strip: ThumbnailStrip, submit: Callable[[object], int], say: Callable[[str], None],
                 changed: Callable[[list[Recipe]], None]) -> None:
        """`submit` sends the thumbnails' job to the render thread (its answer comes to `thumbs_ready`);
        `changed` tells the tools the recipes kept."""
        self.strip, self.submit, self.say, self.changed = strip, submit, say, changed
        self.store: Favourites | None = None  # None: no run open, or a checkpoint outside a run

    def recipes(self) -> tuple[Recipe, ...]:
        return tuple(f.recipe for f in self.store.items) if self.store is not None else ()

    def open(self, run: Path | None) -> None:
        """The favourites of `run` (None: a checkpoint outside a run, which keeps none)."""
        self.strip.clear()
        self.store = None
        if run is not None:
            try:
                self.store = Favourites.load(run)
            except StudioError as e:
                self.say(str(e))
        self.changed(list(self.recipes()))
        if self.recipes():
            self.submit(ThumbsJob(self.recipes()))

    def thumbs_ready(self, token: int, images: list, recipes: tuple) -> None:
        if self.store is None:
            return
        names = {id(f.recipe): f.name for f in self.store.items}
        for image, recipe in zip(images, recipes, strict=True):
            self.strip.add(image, recipe, names.get(id(recipe), ""))

    def add(self, recipe: Recipe | None, image: QImage | None) -> None:
        """Keep the picture on screen (its recipe with the final w)."""
        if recipe is None or image is None:
            self.say("Nothing to keep yet.")
            return
        if self.store is None:
            self.say("Favourites are saved in a run folder; this checkpoint is not inside one.")
            return
        try:
            fav = self.store.add(f"favourite {len(self.store.items) + 1}", recipe)
        except StudioError as e:
            self.say(str(e))
            return
        self.strip.add(image, fav.recipe, fav.name)
        self.changed(list(self.recipes()))
        self.say(f"Kept as {fav.name}.")
