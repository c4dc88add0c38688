"""One-shot work off the GUI thread on superqt's thread pool, with the studio's error policy in one place.

`start_job(owner, work, *args, failure=...)` runs `work(job, *args)` through `superqt.utils.create_worker`
(a generator function through superqt's GeneratorWorker) and returns a `Job`, a QObject child of `owner`
whose signals arrive in the GUI thread:

    progress(tuple)  what the work reported with `job.report(...)`
    yielded(object)  each value a generator work yields (training's events)
    done(object)     what the work returned (not sent when the job was cancelled)
    failed(str)      a sentence for the artist: a StudioError's own text; anything else is a bug, so its
                     traceback goes to stderr and the sentence is "<failure>: <Type>: <message>"
    finished()       last, whatever happened; the Job then deletes itself (drop references to it here)

The work polls `job.cancelled()` between steps; `Job.cancel()` asks, `Job.wait()` blocks until the work
has returned. Every Job registers with `studio.ui.base.threads`, so the tests' guard sees it, and a window that
closes cancels and waits for the jobs below it (`jobs_below`). A job cancelled before the pool began it
never runs its work."""

from __future__ import annotations

import inspect
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, WorkerBase, create_worker

from studio.core.errors import StudioError
from studio.ui.base.threads import register

# Jobs block on files and torch; the global pool's default (one thread per core: 2 on a small laptop)
# would queue the speed probe behind a folder's reading.
POOL_THREADS = 16
# A pool thread that waits for more work keeps its per-thread state: OpenMP's thread count, frozen when
# the thread first ran torch, made the speed probe measure (and cache) "1 thread" after the render thread
# had set 1 for a while. Each job gets a fresh thread instead, as a QThread did (starting one: ~0.1 ms).
POOL_EXPIRY_MS = 0


class JobControl(Protocol):
    """What the work function gets as its first argument."""

    def cancelled(self) -> bool: ...

    def report(self, *values: Any) -> None: ...


class _JobSignals(QObject):
    """superqt's worker signals (its workers emit these by name) and the job's progress."""

    started = Signal()
    finished = Signal()
    _finished = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    warned = Signal(tuple)
    yielded = Signal(object)  # a generator job's values
    paused = Signal()
    resumed = Signal()
    aborted = Signal()
    progress = Signal(tuple)


class _Tracked:
    """What the studio adds to superqt's workers: the control the work gets (`cancelled`, `report`), `wait`
    for the end of the work, and no work at all when cancelled before the pool began it."""

    def _track(self) -> None:
        self._lock = threading.Lock()
        self._began = False
        self._ended = threading.Event()

    # ---- the control, for the work (any thread)
    def cancelled(self) -> bool:
        return self.abort_requested

    def report(self, *values: Any) -> None:
        self.signals.progress.emit(values)

    # ---- the owner's side
    def quit(self) -> None:
        with self._lock:
            super().quit()

    def is_live(self) -> bool:
        """Queued or running, and not cancelled before it began."""
        with self._lock:
            return not self._ended.is_set() and (self._began or not self.abort_requested)

    def wait(self, msecs: int | None = None) -> bool:
        with self._lock:
            if not self._began and self.abort_requested:
                return True  # it will not run its work
        return self._ended.wait(None if msecs is None else msecs / 1000)

    # ---- the pool's side
    def run(self) -> None:
        with self._lock:
            self._began = not self.abort_requested
        try:
            if self._began:
                super().run()
            else:  # cancelled while queued: the owner hears that it finished, the work never runs
                self.signals.finished.emit()
                self.signals._finished.emit(self)
        finally:
            self._ended.set()


class StudioWorker(_Tracked, WorkerBase):
    """superqt's worker for a plain function `work(job, *args)`."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(SignalsClass=_JobSignals)
        self._track()
        self._func, self._args, self._kwargs = func, args, kwargs

    def work(self) -> Any:
        return self._func(self, *self._args, **self._kwargs)


class StudioGenerator(_Tracked, GeneratorWorker):
    """superqt's GeneratorWorker for a generator function `work(job, *args)`: each value it yields arrives
    as the Job's `yielded`; cancelling ends it at its next yield, and the generator is closed in its own
    thread (its `finally` blocks run there)."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(func, self, *args, SignalsClass=_JobSignals, **kwargs)  # makes the generator, runs nothing
        self._track()

    def work(self) -> Any:
        try:
            return super().work()
        finally:
            self._gen.close()


class Job(QObject):
    """One run of a work function; see the module's docstring."""

    progress = Signal(tuple)
    yielded = Signal(object)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, owner: QObject, name: str, failure: str, worker: StudioWorker | StudioGenerator) -> None:
        super().__init__(owner)
        self.name, self.failure = name, failure
        self._worker = worker
        worker.signals.progress.connect(self.progress)
        worker.signals.yielded.connect(self.yielded)
        worker.returned.connect(self.done)
        worker.errored.connect(self._errored)
        worker.finished.connect(self._finished)
        register(self)

    def start(self) -> None:
        pool = QThreadPool.globalInstance()
        if pool.maxThreadCount() < POOL_THREADS:
            pool.setMaxThreadCount(POOL_THREADS)
        pool.setExpiryTimeout(POOL_EXPIRY_MS)
        self._worker.start()

    def cancel(self) -> None:
        self._worker.quit()

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the work has returned (True), or `msecs` have passed (False)."""
        return self._worker.wait(msecs)

    def is_running(self) -> bool:
        return self._worker.is_live()

    def is_cancelled(self) -> bool:
        return self._worker.abort_requested

    def _errored(self, error: BaseException) -> None:
        if isinstance(error, StudioError):
            self.failed.emit(str(error))
            return
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
        self.failed.emit(f"{self.failure}: {type(error).__name__}: {error}")

    def _finished(self) -> None:
        self.finished.emit()
        self.deleteLater()

    def __repr__(self) -> str:
        return f"Job({self.name!r})"


def start_job(owner: QObject, work: Callable[..., Any], *args: Any, failure: str = "That did not work",
              name: str | None = None, start: bool = True, **kwargs: Any) -> Job:
    """Run `work(job, *args, **kwargs)` on the pool; the Job is `owner`'s child. Connect to its signals
    before the event loop runs again (superqt starts the worker on the next turn of the loop), or pass
    `start=False` and call `Job.start()`."""
    kind = StudioGenerator if inspect.isgeneratorfunction(work) else StudioWorker
    worker = create_worker(work, *args, _start_thread=False, _worker_class=kind, _ignore_errors=True, **kwargs)
    job = Job(owner, name or getattr(work, "__name__", "job"), failure, worker)
    if start:
        job.start()
    return job


def jobs_below(widget: QObject) -> list[Job]:
    """The running jobs owned by `widget` or anything inside it."""
    return [j for j in widget.findChildren(Job) if j.is_running()]


def stop_jobs(jobs: list[Job], msecs: int | None = None) -> None:
    """Cancel every job, then wait for each (a job's work checks `cancelled()` between its steps)."""
    for j in jobs:
        j.cancel()
    for j in jobs:
        j.wait(msecs)
