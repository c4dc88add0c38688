"""What the window remembers between sessions (QSettings): its geometry, kept on the screen; the splitter;
the length unit; the recent folders and runs; the last folders chosen in file dialogs, the export folder
among them (one for every export: Explore's, the sample grid's, a repaired picture)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QApplication, QComboBox, QSplitter, QWidget

MAX_RECENT = 10
EXPORT_KEY = "export_dir"


def fit_to_screen(window: QWidget) -> None:
    """Keep the whole window, frame included, on its screen's available area: a saved geometry from a
    larger screen (or an older version that let the window grow) is shrunk and moved back in."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return
    avail = screen.availableGeometry()
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    w = max(window.minimumWidth(), min(inner.width(), avail.width() - extra_w))
    h = max(window.minimumHeight(), min(inner.height(), avail.height() - extra_h))
    if (w, h) != (inner.width(), inner.height()):
        window.resize(w, h)
    target = QRect(frame.topLeft(), QSize(w + extra_w, h + extra_h))
    x = min(max(target.left(), avail.left()), max(avail.left(), avail.right() + 1 - target.width()))
    y = min(max(target.top(), avail.top()), max(avail.top(), avail.bottom() + 1 - target.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)


class WindowSettings:
    """Reads and writes the window's QSettings; `recent_changed(paths)` is called when the list changes."""

    def __init__(self, settings: QSettings, window: QWidget, split: QSplitter, length_unit: QComboBox,
                 recent_changed: Callable[[list[str]], None]) -> None:
        self.settings = settings
        self.window = window
        self.split = split
        self.length_unit = length_unit
        self.recent_changed = recent_changed

    def restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        fit_to_screen(self.window)
        split = self.settings.value("window/split")
        if split is not None:
            self.split.restoreState(split)
        unit = self.settings.value("train/length_unit")
        if unit:
            i = self.length_unit.findData(unit)
            if i >= 0:
                self.length_unit.setCurrentIndex(i)
        self.recent_changed(self.recent())

    def save(self) -> None:
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        self.settings.setValue("window/split", self.split.saveState())
        self.settings.setValue("train/length_unit", self.length_unit.currentData())
        self.settings.sync()

    def recent(self) -> list[str]:
        """The recent folders and runs that still exist (one deleted or moved since is not offered)."""
        value = self.settings.value("recent", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [str(v) for v in (value or []) if Path(str(v)).exists()]

    def remember(self, path: Path) -> None:
        p = str(path)
        items = [p] + [r for r in self.recent() if r != p]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self.recent_changed(self.recent())

    def forget(self, path: Path | str) -> None:
        """A recent entry that failed to open leaves the list."""
        items = [r for r in self.recent() if r != str(path)]
        self.settings.setValue("recent", items)
        self.recent_changed(items)

    def folder(self, key: str, default: Path) -> str:
        return str(self.settings.value(key, str(default)))

    def set_folder(self, key: str, folder: Path) -> None:
        self.settings.setValue(key, str(folder))
