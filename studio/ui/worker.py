"""The one bridge between the training engine and the window: a QThread that builds a core `Trainer`
in its own thread, iterates `trainer.events()` and re-emits each event as a queued Qt signal.

Pause, resume and stop set the trainer's thread-safe flags (checked between steps); the thread is
never terminated. Sample grids become QImages here, off the GUI thread, as deep copies.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from studio.ui.base.qimage import to_qimage
from studio.ui.base.threads import StudioThread

if TYPE_CHECKING:  # torch is imported only inside the thread, never at window start-up
    from studio.core.data import ImageFolder
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer


class _Cancelled(Exception):
    """Raised from the loading callback to abandon decoding when the user stops early."""


class TrainWorker(StudioThread):
    """Runs one training session. Signals carry the core's event dataclasses (or plain values)."""

    loading = Signal(int, int)  # images decoded, total
    started_training = Signal(object)  # core Started, after the trainer exists
    dataset_ready = Signal(object)  # core ImportReport
    progress = Signal(object)  # core Progress (the core emits at most 5 Hz)
    samples = Signal(QImage, int, float)  # grid, step, kimg (the core emits at most 1 Hz)
    saved = Signal(str, int, str)  # kind ("checkpoint" | "snapshot"), step, path
    message = Signal(str, str)  # level, text
    paused = Signal(int)  # step at which the loop is now waiting
    finished_training = Signal(object)  # core Finished
    failed = Signal(str)  # a sentence for the user
    quality = Signal(object)  # core Quality (KID, FID, …), when in-training metrics are on

    # Progress is forwarded at most this often; the core already reports at 5 Hz.
    min_progress_interval = 0.1
    # Niceness added to the training thread (Linux). 0 (measured: bench/gui_overhead.py) keeps training on
    # equal terms with other processes; a positive value favours the window's latency on a crowded CPU.
    nice = 0

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path,
        *,
        resume: bool = False,
        dataset: ImageFolder | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.run_dir = Path(run_dir)
        self.resume_run = resume
        self.dataset = dataset
        self._lock = threading.Lock()
        self._trainer: Trainer | None = None
        self._stop = threading.Event()
        self._pause = threading.Event()
        self.last_checkpoint: str | None = None
        self.finished_event: object | None = None

    # ---------------------------------------------------------------- control (any thread)
    def pause(self) -> None:
        self._pause.set()
        with self._lock:
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        self._pause.clear()
        with self._lock:
            if self._trainer is not None:
                self._trainer.resume()

    def stop(self) -> None:
        """Ask the loop to end after the current step; the core then saves a checkpoint."""
        self._stop.set()
        with self._lock:
            if self._trainer is not None:
                self._trainer.stop()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def is_paused(self) -> bool:
        return self._pause.is_set()

    # ---------------------------------------------------------------- the thread
    def _on_load(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Cancelled
        self.loading.emit(done, total)

    def _yield_to_gui(self) -> None:
        """Give this thread (and the torch threads it starts) a lower priority than the GUI thread, so the
        window answers at once on a busy CPU; training loses only the little time the GUI uses."""
        if sys.platform.startswith("linux"):
            try:  # Linux keeps a nice value per thread; QThread priorities are ignored there
                tid = threading.get_native_id()
                os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + self.nice)
            except (OSError, AttributeError):
                pass
        else:
            self.setPriority(QThread.Priority.LowPriority)

    def run(self) -> None:  # noqa: C901 - one dispatch over the event types
        from studio.core.errors import StudioError
        from studio.core.formats.metrics_rows import Quality
        from studio.core.training.events import Finished, Message, Paused, Progress, Samples, Saved, Started
        from studio.core.training.trainer import Trainer

        if self.nice:
            self._yield_to_gui()
        try:
            trainer = Trainer(self.config, self.run_dir, resume=self.resume_run, dataset=self.dataset,
                              live_samples=True, load_progress=self._on_load)
        except _Cancelled:
            return
        except StudioError as e:
            self.failed.emit(str(e))
            return
        except Exception as e:  # a bug or an environment problem: loud on stderr, readable in the window
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Training could not start: {type(e).__name__}: {e}")
            return
        with self._lock:
            self._trainer = trainer
            if self._pause.is_set():
                trainer.pause()
            if self._stop.is_set():
                trainer.stop()
        self.dataset_ready.emit(trainer.dataset.report)
        last_progress = 0.0
        try:
            for ev in trainer.events():
                if isinstance(ev, Progress):
                    now = time.monotonic()
                    if now - last_progress >= self.min_progress_interval:
                        last_progress = now
                        self.progress.emit(ev)
                elif isinstance(ev, Samples):
                    self.samples.emit(to_qimage(ev.image), ev.step, ev.kimg)
                elif isinstance(ev, Started):
                    self.started_training.emit(ev)
                elif isinstance(ev, Saved):
                    if ev.kind == "checkpoint":
                        self.last_checkpoint = ev.path
                    self.saved.emit(ev.kind, ev.step, ev.path)
                elif isinstance(ev, Quality):
                    self.quality.emit(ev)
                elif isinstance(ev, Message):
                    self.message.emit(ev.level, ev.text)
                elif isinstance(ev, Paused):
                    self.paused.emit(ev.step)
                elif isinstance(ev, Finished):
                    self.finished_event = ev
                    self.finished_training.emit(ev)
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Training stopped with an error: {type(e).__name__}: {e}")
        finally:
            with self._lock:
                self._trainer = None
            trainer.close()
