"""Renders the app icon (studio/resources/gan-studio.svg) to the PNG set committed under
studio/resources/icons/NxN/ and, for the Windows and macOS bundles, to gan-studio.ico / .icns.

    python packaging/make_icons.py            # refresh the committed PNGs (after editing the SVG)
    python packaging/make_icons.py --ico-icns build/icons   # what the bundle build runs

The PNGs are committed (≈80 KB in all) because the window icon and the desktop's hicolor theme need
them at run time, where an SVG would depend on Qt's svg plugins being bundled; the .ico/.icns are
only needed while building a bundle, so they are made from the PNGs then (Pillow writes both)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "studio" / "resources"
SVG = RESOURCES / "gan-studio.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # the .ico format stops at 256
ICNS_SIZES = (16, 32, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return RESOURCES / "icons" / f"{size}x{size}" / "gan-studio.png"


def render_pngs() -> list[Path]:
    """Render the SVG with Qt's own SVG renderer (antialiased, transparent background)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QPainter needs one
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    out = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"cannot write {path}")
        out.append(path)
    return out


def write_ico_icns(folder: Path) -> tuple[Path, Path]:
    """gan-studio.ico (Windows) and gan-studio.icns (macOS) from the committed PNGs."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    biggest = Image.open(png_path(512)).convert("RGBA")
    ico = folder / "gan-studio.ico"
    # Pillow resamples the largest image to each listed size; the small sizes come from our own renders.
    frames = [Image.open(png_path(s)).convert("RGBA") for s in ICO_SIZES]
    frames[-1].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=frames[:-1])
    icns = folder / "gan-studio.icns"
    biggest.save(icns, format="ICNS", append_images=[Image.open(png_path(s)).convert("RGBA") for s in ICNS_SIZES])
    return ico, icns


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ico-icns", metavar="FOLDER", help="write gan-studio.ico and .icns there (no PNG re-render)")
    args = p.parse_args(argv)
    if args.ico_icns:
        for path in write_ico_icns(Path(args.ico_icns)):
            print(path)
    else:
        for path in render_pngs():
            print(path, path.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
