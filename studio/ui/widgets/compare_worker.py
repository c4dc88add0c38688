"""Renders the same seeds from several checkpoints off the GUI thread, for the snapshot comparison."""

from __future__ import annotations

import sys
import traceback

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.ui.base.qimage import tile, to_qimage
from studio.ui.base.threads import StudioThread


class CompareWorker(StudioThread):
    rendered = Signal(int, QImage)  # index of the checkpoint in the request, grid of its seeds
    failed = Signal(str)

    def __init__(self, checkpoints: list[str], seeds: list[int], truncation: float = 1.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkpoints, self.seeds, self.truncation = list(checkpoints), list(seeds), truncation

    def run(self) -> None:
        from studio.core.errors import StudioError
        from studio.core.explore.render import Recipe, Renderer
        from studio.core.images import grid_columns

        try:
            for i, path in enumerate(self.checkpoints):
                if self.isInterruptionRequested():
                    return
                renderer = Renderer.open(path, "cpu")
                images = np.stack([renderer.render(Recipe(seeds=[s], truncation=self.truncation))
                                   for s in self.seeds])
                columns = grid_columns(len(images), *images.shape[1:3])  # laid out for the pictures' shape
                self.rendered.emit(i, to_qimage(tile(images, columns)))
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Could not render the checkpoints: {type(e).__name__}: {e}")
