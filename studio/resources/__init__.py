"""Files the running app reads (the icon set, the in-app guide), shipped as package data so that a
checkout, an installed wheel and a PyInstaller bundle all find them the same way."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_path(name: str) -> Path:
    """The file `name` (e.g. "guide.html", "icons/32x32/gan-studio.png") on disk.

    Wheels and PyInstaller's one-folder bundles keep package data as real files, so the path is
    stable for the life of the process (a zipped install would be extracted by `as_file`)."""
    ref = files(__name__).joinpath(name)
    with as_file(ref) as p:
        path = Path(p)
    if not path.exists():
        raise FileNotFoundError(f"GAN Studio resource missing: {name} (looked in {path})")
    return path


def icon_pngs() -> list[Path]:
    """The app icon rendered at each size (16…512 px), smallest first."""
    return [resource_path(f"icons/{s}x{s}/gan-studio.png") for s in ICON_SIZES]
