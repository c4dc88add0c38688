"""The application icon as a QIcon, built from the PNG set shipped in studio/resources (so it shows
from a checkout, an installed wheel and a bundle alike, with or without Qt's SVG plugins)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from studio.resources import ICON_SIZES, icon_pngs


def app_icon() -> QIcon:
    icon = QIcon()
    for size, path in zip(ICON_SIZES, icon_pngs(), strict=True):
        icon.addFile(str(path), QSize(size, size))
    return icon
