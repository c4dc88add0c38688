"""A corpus of messy inputs, generated here, fed to the importer and to `studio train`:
good files train, bad ones are reported with a reason, nothing crashes or hangs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.core.data import DataConfig, ImageFolder


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, format=fmt, **kw)
    return b.getvalue()


def build_corpus(d: Path) -> dict[str, str | None]:
    """Writes the corpus; returns file name -> expected skip-reason fragment (None: must be used)."""
    d.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8))
    png, jpg = _save(rgb, "PNG"), _save(rgb, "JPEG")
    files: dict[str, bytes] = {
        "good.png": png,
        "good.jpg": jpg,
        "truncated.png": png[: len(png) // 2],
        "truncated.jpg": jpg[: len(jpg) // 3],
        "zero.png": b"",
        "text.png": b"hello, I am not a picture\n",
        "cmyk.jpg": _save(Image.new("CMYK", (30, 20), (0, 200, 200, 0)), "JPEG"),
        "sixteen.png": _save(Image.fromarray(np.full((20, 20), 40000, np.uint16)), "PNG"),
        "gray.png": _save(Image.new("L", (25, 25), 90), "PNG"),
        "one.png": _save(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG"),
        "long.png": _save(Image.new("RGB", (5000, 10), (0, 255, 0)), "PNG"),
    }
    pal = Image.new("P", (16, 16), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    files["palette-alpha.png"] = _save(pal, "PNG", transparency=1)
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 0, 255))]
    b = io.BytesIO()
    frames[0].save(b, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    files["animated.gif"] = b.getvalue()
    exif = Image.Exif()
    exif[0x0112] = 8
    files["exif-rotated.jpg"] = _save(Image.new("RGB", (30, 10), (0, 0, 255)), "JPEG", exif=exif)
    # A decompression bomb: tiny file, 30000 x 30000 pixels declared.
    files["bomb.png"] = _save(Image.new("1", (30000, 30000)), "PNG")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("comment", "x" * 3_000_000, zip=True)
    files["huge-text.png"] = _save(Image.new("RGB", (20, 20)), "PNG", pnginfo=info)
    for name, data in files.items():
        (d / name).write_bytes(data)
    # Non-UTF-8 file name, symlink loop, dangling symlink, a FIFO (reading it would hang), folder loop.
    (Path(os.fsdecode(bytes(d) + b"/caf\xe9.png"))).write_bytes(png)
    os.symlink(d / "loop-b.png", d / "loop-a.png")
    os.symlink(d / "loop-a.png", d / "loop-b.png")
    os.symlink(d / "missing.png", d / "dangling.png")
    os.mkfifo(d / "fifo.png")
    (d / "sub").mkdir()
    os.symlink(d, d / "sub" / "back-to-top")  # a folder loop: must not be followed
    return {
        "good.png": None, "good.jpg": None, "cmyk.jpg": None, "sixteen.png": None, "gray.png": None,
        "one.png": None, "long.png": None, "palette-alpha.png": None, "animated.gif": None,
        "exif-rotated.jpg": None, "caf\\xe9.png": None,
        "truncated.png": "", "truncated.jpg": "", "zero.png": "empty", "text.png": "not an image",
        "bomb.png": "", "huge-text.png": None, "loop-a.png": "cannot read", "loop-b.png": "cannot read",
        "dangling.png": "cannot read", "fifo.png": "not a regular file",
    }


def test_corpus_importer(tmp_path: Path):
    expected = build_corpus(tmp_path / "corpus")
    t = time.perf_counter()
    folder = ImageFolder(tmp_path / "corpus", DataConfig(16))
    took = time.perf_counter() - t
    skipped = {s.path: s.reason for s in folder.report.skipped}
    for name, why in expected.items():
        if why is None and name != "huge-text.png":
            assert name not in skipped, f"{name} should train but was skipped: {skipped.get(name)}"
        elif why is not None:
            assert name in skipped, f"{name} should be skipped"
            assert why in skipped[name], f"{name}: {skipped[name]}"
    assert "bomb" in skipped["bomb.png"] or "too large" in skipped["bomb.png"]
    used = len(folder)
    assert used == folder.report.used >= 11
    assert folder.images.shape[1:] == (16, 16, 3)
    assert took < 60, f"import took {took:.1f}s"


def test_corpus_trains_from_cli(tmp_path: Path):
    build_corpus(tmp_path / "corpus")
    r = subprocess.run([sys.executable, "-m", "studio", "train", str(tmp_path / "corpus"), "--out",
                        str(tmp_path / "run"), "--model", "dcgan", "--resolution", "16", "--batch", "4",
                        "--width", "16", "--steps", "2", "--device", "cpu", "--quiet"],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert "skipped fifo.png: not a regular file" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_twenty_thousand_tiny_files(tmp_path: Path):
    d = tmp_path / "many"
    d.mkdir()
    data = _save(Image.new("RGB", (2, 2), (1, 2, 3)), "PNG")
    for i in range(20_000):
        (d / f"{i:05d}.png").write_bytes(data)
    t = time.perf_counter()
    folder = ImageFolder(d, DataConfig(16))
    took = time.perf_counter() - t
    print(f"scanned and decoded 20,000 files in {took:.1f}s")
    assert len(folder) == 20_000 and folder.report.duplicates == 19_999
    assert took < 180
