"""The Explore tab's two windows: Export… (this picture, a grid, an animation) and Train upscaler… (the open
run's learned ×2/×4, trained in the background); each is kept while open and stopped when the tab closes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from studio.core.explore.render import Recipe
from studio.core.formats.run import RunDir
from studio.ui.explore.export_dialog import ExportDialog
from studio.ui.explore.export_memory import ExportMemory
from studio.ui.explore.render_worker import Opened
from studio.ui.explore.upscaler_dialog import UpscalerDialog


class ExploreDialogs:
    def __init__(self, parent: QWidget, exported: Callable[[str], None], memory: ExportMemory | None = None) -> None:
        """`exported(path)` is told each file the export dialog saves; `memory` keeps its last choices."""
        self.parent, self.exported, self.memory = parent, exported, memory
        self.export: ExportDialog | None = None
        self.upscaler: UpscalerDialog | None = None

    def show_export(self, checkpoint: str, recipe: Recipe | None, favourites: list[Recipe], folder: str, seed: int,
                    preview: QImage, info: Opened | None) -> None:
        self.export = ExportDialog(checkpoint, recipe, favourites, folder, seed, self.parent, preview=preview,
                                   background=info.background if info is not None else "#ffffff",
                                   transparent=info is not None and info.trained_transparent, memory=self.memory,
                                   enlarge=info.enlarge if info is not None else 1)
        self.export.exported.connect(self.exported)
        self.export.show()

    def show_upscaler(self, checkpoint: str | None) -> None:
        """The upscaler of the run `checkpoint` lies in (nothing for a loose checkpoint: it learns from the
        run's folder)."""
        run = RunDir.of_checkpoint(checkpoint) if checkpoint else None
        if run is None:
            return
        if self.upscaler is None or self.upscaler.run != Path(run.path):
            if self.upscaler is not None:
                self.upscaler.close()
            self.upscaler = UpscalerDialog(run.path, self.parent)
        self.upscaler.show()
        self.upscaler.raise_()

    def shutdown(self) -> None:
        if self.export is not None:
            self.export.cancel_export()
        if self.upscaler is not None:
            self.upscaler.stop_and_wait()
