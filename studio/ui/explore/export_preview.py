"""The Export dialog's preview of a favourites grid: rendered once, off the window's thread, by its own frozen
generator copy (as the export itself is), laid out as the export lays it out (core.explore.artwork)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.ui.base.jobs import Job, JobControl, start_job, stop_jobs


def grid_preview_job(job: JobControl, checkpoint: str, favourites: tuple) -> QImage:
    from studio.core.explore.artwork import Cancelled, grid_preview
    from studio.core.explore.render import Renderer
    from studio.ui.base.qimage import to_qimage

    try:
        return to_qimage(grid_preview(Renderer.open(checkpoint), favourites, job.cancelled))
    except Cancelled:
        raise StudioError("Preview cancelled.") from None


class GridPreview(QObject):
    """`image()`: the grid, or a null image while it renders (asked for the first time, it starts); `ready`
    when it is there."""

    ready = Signal(QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject, checkpoint: str, favourites: list) -> None:
        super().__init__(parent)
        self.checkpoint, self.favourites = checkpoint, tuple(favourites)
        self._image = QImage()
        self._job: Job | None = None

    def image(self) -> QImage:
        if self._image.isNull() and self._job is None and self.favourites:
            self._job = start_job(self, grid_preview_job, self.checkpoint, self.favourites,
                                  failure="The grid's preview could not be rendered")
            self._job.done.connect(self._done)
            self._job.failed.connect(self.failed)
        return self._image

    def _done(self, image: QImage) -> None:
        self._image = image
        self.ready.emit(image)

    def stop(self) -> None:
        if self._job is not None and self._job.is_running():
            stop_jobs([self._job])
