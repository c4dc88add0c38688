"""Training a run's learned upscale off the GUI thread: core.upscale run by superqt's `create_worker` in
Qt's thread pool, its progress and result as signals, cancellable between training steps (what was
learned so far is scored and kept).

The job registers itself where the window and the tests look for live threads (ui/base/threads.py), with the
QThread-like answers they ask for (isRunning, requestInterruption, wait), so that closing the window or
ending a test stops it."""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

from studio.core.errors import StudioError
from studio.ui.base.threads import register


class UpscalerJob(QObject):
    """Trains RUN's ×2 and/or ×4 upscale for `minutes` in all (None scale: those its pictures allow)."""

    progress = Signal(str, int)  # what is happening, percent of the whole job
    done = Signal(str)  # the summary: steps, time, held-out L1/PSNR against Lanczos
    failed = Signal(str)  # a sentence
    ended = Signal()  # after done or failed, in the GUI thread

    def __init__(self, run: str | Path, scale: int | None, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.run, self.scale, self.minutes = Path(run), scale, minutes
        self._cancel = threading.Event()
        self._over = threading.Event()
        self._worker = None
        register(self)  # found by running_threads(): the window's shutdown and the tests' guard

    def start(self) -> None:
        self._worker = create_worker(self._work, _start_thread=False)
        self._worker.finished.connect(self._finished)
        self._worker.start()

    def _finished(self) -> None:
        self.ended.emit()

    # ---- what ui/threads.py and the tests' guard ask of a studio thread
    def isRunning(self) -> bool:  # noqa: N802 - QThread's name
        return self._worker is not None and not self._over.is_set()

    def requestInterruption(self) -> None:  # noqa: N802 - QThread's name
        self._cancel.set()

    stop = requestInterruption
    cancel = requestInterruption  # what ui/base/threads.stop_and_wait asks of a pool job

    def is_running(self) -> bool:  # what ui/base/threads.running_threads asks of a pool job
        return self.isRunning()

    def wait(self, msecs: int = -1) -> bool:
        return self._over.wait(None if msecs < 0 else msecs / 1000)

    # ---- in the pool's thread
    def _work(self) -> None:
        from studio.core.upscale.learned import scales_to_train, train_run_upscaler

        try:
            self.progress.emit("Reading the folder's pictures…", 0)
            pairs, notes = scales_to_train(self.run, self.scale)
            seconds = self.minutes * 60 / len(pairs)
            lines = list(notes)
            for i, p in enumerate(pairs):
                def report(e, i=i, n=len(pairs)):
                    pct = int(100 * (i + min(1.0, e.seconds / max(e.budget, 1e-9))) / n)
                    self.progress.emit(f"×{e.scale}: step {e.step}, {e.seconds:.0f} of {e.budget:.0f} s, "
                                       f"L1 {e.l1:.2f}", pct)

                r = train_run_upscaler(self.run, p, seconds, progress=report, cancel=self._cancel.is_set)
                how = "stopped after" if r.cancelled else "continued for" if r.resumed else "trained for"
                lines.append(f"×{r.scale} {how} {r.session_seconds:.0f} s ({r.step} steps in all): "
                             f"{r.score.describe()}")
                if r.cancelled:
                    break
            self.done.emit("\n".join(lines))
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: loud on stderr, a sentence in the dialog
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Training the upscaler failed: {type(e).__name__}: {e}")
        finally:
            self._over.set()
