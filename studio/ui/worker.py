"""The one bridge between the training engine and the window: `train(job, ...)`, a generator run as a job
on superqt's GeneratorWorker (studio/ui/jobs.py), builds a core `Trainer` in its own thread and yields
`trainer.events()` one by one; they arrive in the GUI thread as the job's one `yielded` signal, and the
training controller `match`es them. Decoding the folder first is the job's `progress` (done, total).

Pause, resume and stop go through `TrainControls`, the trainer's thread-safe flags (checked between steps);
a stop ends the loop after its step, with a checkpoint. Sample grids become QImages here, off the GUI
thread, as deep copies (`LiveSamples`); progress is forwarded at most every `MIN_PROGRESS_INTERVAL`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThread
from PySide6.QtGui import QImage

from studio.ui.base.jobs import JobControl
from studio.ui.base.qimage import to_qimage

if TYPE_CHECKING:  # torch is imported only inside the job's thread, never at window start-up
    from studio.core.data import ImageFolder
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

# Progress is forwarded at most this often; the core already reports at 5 Hz.
MIN_PROGRESS_INTERVAL = 0.1
# Niceness added to the training thread (Linux). 0 (measured: bench/gui_overhead.py) keeps training on
# equal terms with other processes; a positive value favours the window's latency on a crowded CPU.
NICE = 0


@dataclass(frozen=True)
class DatasetReady:
    report: object  # core ImportReport, once the trainer has read the folder


@dataclass(frozen=True)
class LiveSamples:
    image: QImage  # the core's Samples grid, made a QImage in the training thread
    step: int
    kimg: float


class _Cancelled(Exception):
    """Raised from the loading callback to abandon decoding when the artist stops early."""


class TrainControls:
    """Pause, resume and stop from the GUI thread; the training thread hands over its Trainer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.trainer: Trainer | None = None
        self._stop = threading.Event()
        self._pause = threading.Event()

    def pause(self) -> None:
        self._pause.set()
        with self._lock:
            if self.trainer is not None:
                self.trainer.pause()

    def resume(self) -> None:
        self._pause.clear()
        with self._lock:
            if self.trainer is not None:
                self.trainer.resume()

    def stop(self) -> None:
        """Ask the loop to end after the current step; the core then saves a checkpoint."""
        self._stop.set()
        with self._lock:
            if self.trainer is not None:
                self.trainer.stop()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def is_paused(self) -> bool:
        return self._pause.is_set()

    def attach(self, trainer: Trainer | None) -> None:
        with self._lock:
            self.trainer = trainer
            if trainer is not None and self._pause.is_set():
                trainer.pause()
            if trainer is not None and self._stop.is_set():
                trainer.stop()


def _yield_to_gui(nice: int) -> None:
    """Give this thread (and the torch threads it starts) a lower priority than the GUI thread, so the
    window answers at once on a busy CPU; training loses only the little time the GUI uses."""
    if sys.platform.startswith("linux"):
        try:  # Linux keeps a nice value per thread; QThread priorities are ignored there
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
        except (OSError, AttributeError):
            pass
    else:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)


def train(job: JobControl, config: TrainConfig, run_dir: str | Path, controls: TrainControls, *,
          resume: bool = False, dataset: ImageFolder | None = None) -> Iterator[object]:
    """One training session: yields DatasetReady, then the core's events (Samples as LiveSamples,
    Progress at most every MIN_PROGRESS_INTERVAL). Nothing at all when stopped while decoding."""
    from studio.core.training.events import Progress, Samples
    from studio.core.training.trainer import Trainer

    def on_load(done: int, total: int) -> None:
        if controls.stop_requested:
            raise _Cancelled
        job.report(done, total)

    if NICE:
        _yield_to_gui(NICE)
    try:
        trainer = Trainer(config, Path(run_dir), resume=resume, dataset=dataset, live_samples=True,
                          load_progress=on_load)
    except _Cancelled:
        return
    controls.attach(trainer)
    try:
        yield DatasetReady(trainer.dataset.report)
        last_progress = 0.0
        for ev in trainer.events():
            if isinstance(ev, Progress):
                now = time.monotonic()
                if now - last_progress < MIN_PROGRESS_INTERVAL:
                    continue
                last_progress = now
            elif isinstance(ev, Samples):
                ev = LiveSamples(to_qimage(ev.image), ev.step, ev.kimg)
            yield ev
    finally:
        controls.attach(None)
        trainer.close()
