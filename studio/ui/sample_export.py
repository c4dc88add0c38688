"""Saving the sample grid on screen as a PNG through the core's Exporter: written to a temporary,
fsynced, then given the name (or name-2.png...: an export never overwrites)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage


def save_grid(image: QImage, path: Path) -> Path:
    """Save `image` as `path` (".png" added when missing); returns the name written. StudioError when it
    cannot be encoded or written."""
    from studio.core.errors import StudioError
    from studio.core.export import Exporter

    if path.suffix.lower() != ".png":
        path = path.with_suffix(".png")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise StudioError("The samples could not be encoded as PNG.")
    return Exporter(path.parent).save_bytes(bytes(buffer.data()), path.name)
