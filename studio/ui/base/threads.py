"""The registry of everything the studio runs off the GUI thread, so that tests (and the window) can find
what is still running: the long-lived QThreads (`StudioThread`: the render and training threads) and the
one-shot jobs on superqt's pool (`studio.ui.jobs.Job`, which registers itself)."""

from __future__ import annotations

import weakref
from typing import Protocol

import shiboken6

from PySide6.QtCore import QObject, QThread

_LIVE: weakref.WeakSet = weakref.WeakSet()


class RunningJob(Protocol):
    """What a registered job offers the guard: whether it still runs, a request to stop, a wait."""

    def is_running(self) -> bool: ...

    def cancel(self) -> None: ...

    def wait(self, msecs: int | None = None) -> bool: ...


class StudioThread(QThread):
    """A QThread that registers itself; `running_threads()` lists those still running."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _LIVE.add(self)


def register(job: RunningJob) -> None:
    """Make a pool job visible to `running_threads()` (studio.ui.jobs does this for every Job)."""
    _LIVE.add(job)


def _running(t) -> bool:
    if isinstance(t, QThread):
        # A finished thread may be deleted (deleteLater) before Python lets go of its wrapper: skip those.
        return shiboken6.isValid(t) and t.isRunning()
    return t.is_running()  # a job's state is plain Python: readable after its QObject is deleted


def running_threads() -> list:
    """The studio threads and pool jobs still running."""
    return [t for t in list(_LIVE) if _running(t)]


def stop_and_wait(threads: list, msecs: int = 10_000) -> list[str]:
    """Ask each thread or job to stop, then wait for it; their names, for a failure message."""
    for t in threads:
        if isinstance(t, QThread):
            t.requestInterruption()
            stop = getattr(t, "stop", None)
            if stop is not None:
                stop()
        else:
            t.cancel()
    for t in threads:
        t.wait(msecs)
    return [getattr(t, "name", None) or type(t).__name__ for t in threads]


_COLLECTOR = None
COLLECT_MS = 1000


class _GuiThreadCollector(QObject):
    """Python's cycle collector, driven from the GUI thread: automatic collection off, and on a timer the
    generations whose counts passed their thresholds are collected here, as the interpreter would."""

    def __init__(self) -> None:
        super().__init__()
        import gc

        from PySide6.QtCore import QTimer

        self._gc = gc
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(COLLECT_MS)

    def check(self) -> None:
        counts = self._gc.get_count()
        for generation in (2, 1, 0):  # the oldest due generation (collecting it collects the younger ones)
            if counts[generation] > self.thresholds[generation]:
                self._gc.collect(generation)
                return


def collect_garbage_in_gui_thread() -> None:
    """Python's cycle collector runs in whichever thread happens to allocate; when that is a worker
    (a render or training thread) and the garbage holds Qt wrappers, PySide6 deletes GUI objects off the
    GUI thread and the process segfaults (seen in CI: 'Garbage-collecting' inside a render thread's
    safetensors load). So automatic collection is switched off and the collector runs on a 1 s timer in
    the GUI thread instead (the scheme of pyqtgraph's GarbageCollector, written here because importing
    pyqtgraph for it cost the launch 0.4 s); reference counting, which frees nearly everything, is untouched.
    Call once a QApplication exists; later calls do nothing."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = _GuiThreadCollector()
