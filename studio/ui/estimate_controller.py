"""What to expect before Start: the welcome view's "about N images/s here" (measured once per device and
torch, then cached) and the training panel's estimate, which follows the form a moment after the artist
stops changing it. Both train for a few seconds in a `measure_speed` job. The one speed measured for the form is
what the panel's suggestion and its estimate both say (`TrainPanel.time_suggestion`, then `describe_for`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from superqt.utils import qdebounced

from studio.core.shape import canvas_shape
from studio.core.training.suggest import default_model
from studio.ui.app_state import AppState
from studio.ui.base.jobs import Job, start_job
from studio.ui.speed_worker import SpeedMeasured, measure_speed
from studio.ui.views import WindowStatus
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.widgets.welcome import WelcomeView


@dataclass(frozen=True)
class ReadFolder:
    """The open folder as read: what an estimate is for (the form's settings on this many pictures)."""

    path: Path
    images: int


class EstimateController(QObject):
    """Measures and shows; it reads the window only through `status`, `folder()` and `gpu()`."""

    def __init__(self, parent: QObject, status: WindowStatus, panel: TrainPanel, welcome: WelcomeView, cache: Path,
                 enabled: bool, folder: Callable[[], ReadFolder | None], gpu: Callable[[], bool]) -> None:
        """`status` is the window's state; `folder()` the open folder as read (None before it is read, or
        with none open); `gpu()` whether the machine has one."""
        super().__init__(parent)
        self.status, self.folder, self.gpu = status, folder, gpu
        self.panel = panel
        self.welcome = welcome
        self.cache = cache
        self.enabled = enabled  # off in tests and benches unless asked for: it trains for seconds
        self.worker: Job | None = None  # the panel's estimate
        self.speed_worker: Job | None = None  # the welcome view's speed
        self.resolution = 64  # of the welcome view's measurement
        self._welcome_size = "64 px"  # its picture at the form's shape, as the welcome view names it
        self.seconds = 1.5
        self._again = False
        self._welcome_again = False  # asked for while a cancelled measurement was still ending
        self.schedule = qdebounced(self.update, 400, parent=self)  # the form changed: measure once it settles
        panel.settings_changed.connect(self.schedule)

    # ------------------------------------------------------------------ the panel's estimate
    def cancel(self) -> None:
        """Training starts (or the project closes): no estimate, and its steps must not compete."""
        self.schedule.cancel()
        self.panel.set_estimate("")
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self) -> None:
        """The window closes: nothing pending may start a measurement after it, none runs on."""
        self.cancel()
        self.stop_welcome_speed()

    def update(self) -> None:
        """Measure (or recall) how fast the form's model trains here, then show what to expect."""
        if not self.enabled or self.status.is_shut or self.status.state != AppState.IDLE or self.folder() is None:
            return
        if self.worker is not None:  # one at a time; the newest settings win
            self._again = True
            self.worker.cancel()
            return
        tp = self.panel
        job = start_job(self, measure_speed, tp.model.currentData(), tp.trained_resolution(),
                        tp.device.currentData(), self.seconds, self.cache, batch=tp.batch.value() or None,
                        aspect=tp.aspect.currentData() or "1:1", width=tp.width.value(),
                        failure="The speed probe failed")
        job.progress.connect(lambda what: tp.set_estimate(f"Measuring how fast this trains on {what[0]}…"))
        job.done.connect(self._on_speed)
        job.failed.connect(lambda text: tp.set_estimate(f"No estimate: {text}"))
        job.finished.connect(self._on_finished)
        self.worker = job

    def _on_speed(self, measured: SpeedMeasured | None) -> None:
        from studio.core.errors import StudioError
        from studio.core.training.estimate import describe_for

        folder = self.folder()
        if measured is None or self.status.state != AppState.IDLE or folder is None or self._again:
            return
        # One speed for the screen: the suggestion (while the form holds it) is timed at it first, its length
        # following (or its picture smaller), and the estimate is the form's after that.
        if self.panel.time_suggestion(measured.images_per_second):
            self.panel.set_estimate("")  # a smaller suggested picture: its own speed is measured next
            return
        try:
            cfg = self.panel.config(str(folder.path))
            cfg.validate()
        except StudioError:
            return
        device = self.panel.device.currentData()
        device_type = "cpu" if device == "cpu" or not self.gpu() else "cuda"
        self.panel.set_estimate(describe_for(cfg, folder.images, device_type, measured.images_per_second))

    def _on_finished(self) -> None:
        self.worker = None
        if self._again:
            self._again = False
            self.schedule()

    # ------------------------------------------------------------------ the welcome view's speed
    def measure_welcome_speed(self, gpu: bool) -> None:
        """Tell the welcome view how fast the suggested model trains here (suggest.default_model, as
        `TrainPanel.suggest_defaults` picks): cached, or measured in a thread for a few seconds.
        Only on the welcome view: with a folder open, the measurement would compete with its reading."""
        if self.status.is_shut or self.status.state != AppState.EMPTY:
            return
        if self.speed_worker is not None:  # e.g. cancelled by the folder just closed, and still ending
            self._welcome_again = True  # measured (or read from the cache) again once it has ended
            return
        # At the form's shape: a 3:2 canvas at 64 px is 48×32 pixels, not a 64 px square, and the sentence says so.
        aspect = self.panel.aspect.currentData() or "1:1"
        self._welcome_size = canvas_shape(aspect, self.resolution).px
        job = start_job(self, measure_speed, default_model(gpu), self.resolution, "auto", self.seconds, self.cache,
                        aspect=aspect, failure="The speed probe failed")
        job.progress.connect(lambda what: self.welcome.set_measuring(what[0]))
        job.done.connect(self._on_welcome_speed)
        job.failed.connect(self.welcome.set_speed_failed)
        job.finished.connect(self._on_welcome_finished)
        self.speed_worker = job

    def _on_welcome_speed(self, m: SpeedMeasured | None) -> None:
        if m is not None:
            self.welcome.set_speed(m.device, m.model, self._welcome_size, m.images_per_second, m.kimg_in_10_minutes)

    def stop_welcome_speed(self) -> None:
        if self.speed_worker is not None:
            self.speed_worker.cancel()  # its training steps would slow the folder's reading

    def _on_welcome_finished(self) -> None:
        self.speed_worker = None
        if self._welcome_again:
            self._welcome_again = False
            self.measure_welcome_speed(self.gpu())
