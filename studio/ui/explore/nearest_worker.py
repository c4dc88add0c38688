"""Finds the training images nearest to a recipe's image in its own thread (indexing can take seconds),
so the canvas keeps rendering meanwhile."""

from __future__ import annotations

import sys
import traceback

from PySide6.QtCore import QObject, Signal

from studio.core.errors import StudioError
from studio.core.explore.render import Recipe
from studio.ui.explore.render_worker import NearestMatch, NearestResult
from studio.ui.base.qimage import to_qimage
from studio.ui.base.threads import StudioThread


class NearestWorker(StudioThread):
    done = Signal(object)  # NearestResult
    failed = Signal(str)

    def __init__(self, checkpoint: str, recipe: Recipe, cache_dir: str | None, k: int = 8,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkpoint, self.recipe, self.cache_dir, self.k = checkpoint, recipe, cache_dir, k

    def run(self) -> None:
        from studio.core.explore.directions import default_cache_dir
        from studio.core.explore.nearest import NearestImages
        from studio.core.explore.render import Renderer

        try:
            renderer = Renderer.open(self.checkpoint)
            image = renderer.render(self.recipe)
            cache = self.cache_dir if self.cache_dir is not None else default_cache_dir().parent / "nearest"
            index = NearestImages.for_checkpoint(renderer.checkpoint, cache_dir=cache)
            matches = index.nearest(image, self.k)
            self.done.emit(NearestResult(index.kind, tuple(NearestMatch(to_qimage(m.image), m.distance, m.index, m.name)
                                                           for m in matches)))
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: loud on stderr, a sentence in the tab
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Could not compare with the training images: {type(e).__name__}: {e}")
