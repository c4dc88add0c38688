"""The Live tab: the fixed-seed sample grid with its timelapse scrubber, the loss curves beside it and
the progress bar below. It keeps what it shows (the newest grid, the snapshots so far) so that
scrubbing back to "Live" finds the newest grid again, whoever fed it: the training thread or a run
being followed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from studio.ui.widgets.loss_plot import LossPlot
from studio.ui.widgets.progress_panel import ProgressPanel
from studio.ui.widgets.sample_grid import SampleGrid
from studio.ui.widgets.timelapse import Timelapse


class LiveTab(QWidget):
    unreadable = Signal(str)  # a snapshot file that cannot be read: a message for the artist

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live_image = QImage()
        self.live_caption = ""
        self.frames: list[tuple[int, str]] = []
        self.total_steps: int | None = None  # of the open run, for its progress when it has no fraction
        self.augment_used = True  # whether the curves show the augmentation probability
        self.grid = SampleGrid()
        self.timelapse = Timelapse()
        self.timelapse.frame_selected.connect(self.show_frame)
        self.timelapse.live_selected.connect(self.show_live)
        self.loss_plot = LossPlot()
        self.progress_panel = ProgressPanel()
        # The samples are what the artist watches: they get the larger share, the curves the rest; the
        # timelapse runs under both, so that its slider is long enough to scrub.
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.grid)
        self.split.addWidget(self.loss_plot)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([600, 400])
        self.split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.timelapse)
        lay.addWidget(self.progress_panel)

    def set_live(self, image: QImage, caption: str) -> None:
        """The newest grid; on screen unless the artist is scrubbing the timelapse."""
        self.live_image = image
        self.live_caption = caption
        if self.timelapse.live:
            self.grid.set_image(image, caption)

    def set_frames(self, frames: list[tuple[int, str]]) -> None:
        self.frames = list(frames)
        self.timelapse.set_frames(self.frames)

    def add_frame(self, step: int, path: str) -> None:
        self.set_frames([f for f in self.frames if f[0] != step] + [(step, path)])

    def show_frame(self, step: int, path: str) -> None:
        image = QImage(path)
        if image.isNull():
            self.unreadable.emit(f"The snapshot {path} cannot be read.")
            return
        self.grid.set_image(image, f"snapshot at step {step}")

    def show_live(self) -> None:
        if not self.live_image.isNull():
            self.grid.set_image(self.live_image, self.live_caption)

    def clear(self, curves: bool = True) -> None:
        """A new run (or none): no grid, no snapshots; the curves too unless a resume continues them."""
        if curves:
            self.loss_plot.clear()
        self.grid.clear()
        self.live_image = QImage()
        self.set_frames([])
