"""The base of every QThread the studio starts, so that tests (and the window) can find the live ones."""

from __future__ import annotations

import weakref

import shiboken6

from PySide6.QtCore import QObject, QThread

_LIVE: weakref.WeakSet[QThread] = weakref.WeakSet()


class StudioThread(QThread):
    """A QThread that registers itself; `running_threads()` lists those still running."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _LIVE.add(self)


def running_threads() -> list[QThread]:
    # A finished thread may be deleted (deleteLater) before Python lets go of its wrapper: skip those.
    return [t for t in list(_LIVE) if shiboken6.isValid(t) and t.isRunning()]


_COLLECTOR = None


def collect_garbage_in_gui_thread() -> None:
    """Python's cycle collector runs in whichever thread happens to allocate; when that is a worker
    (a render or training thread) and the garbage holds Qt wrappers, PySide6 deletes GUI objects off the
    GUI thread and the process segfaults (seen in CI: 'Garbage-collecting' inside a render thread's
    safetensors load). pyqtgraph's GarbageCollector switches automatic collection off and collects on a
    1 s timer in the GUI thread instead; reference counting, which frees nearly everything, is untouched.
    Call once a QApplication exists; later calls do nothing."""
    global _COLLECTOR
    if _COLLECTOR is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _COLLECTOR = GarbageCollector(interval=1.0)
