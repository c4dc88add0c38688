"""Projection: find the latent of a picture (a job) and put it on the canvas; started from the canvas's
Project button, it has no panel of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from studio.ui.explore.projection_worker import project_picture
from studio.ui.explore.tool import ExploreTool, Place, ToolHost

PICTURES = "Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"


class ProjectionTool(ExploreTool):
    name, title, place = "projection", "Projection", Place.NONE

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        host.controls.project.connect(self._choose_picture)

    def _choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.host.controls, "Project a picture", "", PICTURES)
        if path:
            self.project(path)

    def project(self, path: str, steps: int = 300) -> None:
        name = Path(path).name
        job = self.host.run(self, project_picture, path, steps, failure="Projection failed")
        if job is not None:
            job.progress.connect(lambda p: self.host.show_status(f"Projecting {name}: step {p[0]}/{p[1]}, "
                                                                 f"loss {p[2]:.4f}"))
            job.done.connect(lambda r: (self.host.use_recipe(r.recipe),
                                        self.host.say(f"Projected {name}" + (f" ({r.note})." if r.note else "."))))

    def set_busy(self, busy: bool) -> None:
        self.host.controls.project_button.setEnabled(not busy)
