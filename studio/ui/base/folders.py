"""Where the window puts files until the artist picks a folder (Qt's answer for this user and system)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def default_export_folder() -> str:
    """Where exports go until the user picks a folder: "GAN Studio" in the Pictures folder (or the home)."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return str(Path(pictures or Path.home()) / "GAN Studio")
