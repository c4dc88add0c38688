"""Inpainting: paint over a picture's hole and let the model fill it (a job); save the repaired picture
(with its recipe and the inpainting record) or put the fill's whole image on the canvas."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from studio.core.errors import StudioError
from studio.ui.explore.inpaint_view import InpaintPanel
from studio.ui.explore.inpaint_worker import inpaint_picture
from studio.ui.explore.tool import ExploreTool, ToolHost


class InpaintTool(ExploreTool):
    name, title = "inpaint", "Inpaint"

    def __init__(self) -> None:
        self.panel = InpaintPanel()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.fill_requested.connect(self.start)
        self.panel.cancel_requested.connect(lambda: host.cancel(self))
        self.panel.save_requested.connect(self._choose_file)
        self.panel.use_requested.connect(self._use)

    def start(self, picture: str, mask, settings) -> None:
        job = self.host.run(self, inpaint_picture, picture, mask, settings, failure="Inpainting failed")
        if job is not None:
            job.progress.connect(lambda p: self.panel.show_progress(*p))
            job.done.connect(self.panel.show_outcome)
            job.failed.connect(self.panel.status.setText)

    def set_busy(self, busy: bool) -> None:
        self.panel.set_busy(busy)

    def opened(self, info, other_model: bool) -> None:
        self.panel.set_model_size(info.height, info.width)

    def _use(self) -> None:
        if self.panel.outcome is not None:
            self.host.use_recipe(self.panel.outcome.recipe)  # the fill's whole image, as the generator makes it

    def _choose_file(self) -> None:
        if self.panel.outcome is None or self.host.checkpoint is None:
            return
        stem = Path(self.panel.picture_path or "picture").stem
        start = str(Path(self.host.export_folder) / f"{stem}-repaired.png")
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save the repaired picture", start, "PNG (*.png)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.save(str(Path(path).parent), Path(path).name)

    def save(self, folder: str, name: str = "repaired.png") -> Path | None:
        """Save the repaired picture with its recipe and inpainting record; an existing file gets a number."""
        from studio.core.export import Exporter

        outcome = self.panel.outcome
        if outcome is None:
            self.host.say("Nothing repaired yet.")
            return None
        if not name.lower().endswith(".png"):
            name += ".png"
        try:
            path = Exporter(folder).save_png(outcome.composite, name, outcome.meta)
        except StudioError as e:
            self.host.say(str(e))
            return None
        self.host.exported(str(path))
        return path
