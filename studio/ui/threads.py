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
