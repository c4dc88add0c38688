"""Stop-gap for PySide6 6.12 on CPython < 3.12, whose bindings drop references to None and True.

Measured here: ~58 lost references per canvas move (setText, update, processEvents...). None starts with
~130k references in the studio's process, so live dragging deallocated None - a fatal error - after
~2000 moves (about a minute). Signal.emit() likewise drops a reference to True (the value it returns).
CPython 3.12 made these singletons immortal, which hides the bug; this gives 3.11 the same immortality. To be removed when the project requires Python >= 3.12 or PySide6 is fixed.
"""

from __future__ import annotations

import ctypes
import sys

_done = False


def make_none_immortal() -> bool:
    """Add 2**40 references to None, True and False once (release CPython < 3.12 only); True if it did."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if hasattr(sys, "gettotalrefcount"):  # a debug build: the object header has other fields first
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40  # ob_refcnt: PyObject's first field
    _done = True
    return True
