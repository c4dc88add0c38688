"""A corpus of messy inputs, generated here, fed to the importer and to `studio train`:
good files train, bad ones are reported with a reason, nothing crashes or hangs."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.core.data import MAX_FILE_BYTES, DataConfig, ImageFolder
from studio.core.errors import StudioError
from studio.core.formats.png_recipe import MAX_GRID_CELLS, MAX_GRID_CHARS, MAX_RECIPE_CHARS
from studio.core.formats.recipe import MAX_SEEDS
from tests.conftest import HANG_GUARD_S


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, format=fmt, **kw)
    return b.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small 1-bit PNG whose header declares width × height pixels and whose data holds one row: what a
    bomb looks like to a reader that trusts the header."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" * (1 + (width + 7) // 8), 9)
    return _PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    # A bomb: a 4 kB file declaring 100000 x 100000 pixels (10 gigapixels), refused from its header.
    files["bomb.png"] = png_declaring(100_000, 100_000)
    # 90 megapixels: past Pillow's warning (89.5 Mpx), a large picture the studio reads reduced.
    files["ninety-megapixels.png"] = _save(Image.new("1", (10000, 9000)), "PNG")
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
    (d / "no-images-here").mkdir()  # a sub-folder with no images: nothing to report, nothing to fail
    (d / "no-images-here" / "notes.txt").write_text("not a picture")
    (d / "unreadable.png").write_bytes(png)
    os.chmod(d / "unreadable.png", 0)  # root reads it anyway; see UNREADABLE
    with open(d / "oversized.png", "wb") as f:  # sparse: past the studio's file-size cap, no disk used
        f.write(png)
        f.truncate(MAX_FILE_BYTES + 1)
    return {
        "good.png": None, "good.jpg": None, "cmyk.jpg": None, "sixteen.png": None, "gray.png": None,
        "one.png": None, "long.png": None, "palette-alpha.png": None, "animated.gif": None,
        "exif-rotated.jpg": None, "caf\\xe9.png": None,
        "truncated.png": "truncated or damaged file", "truncated.jpg": "truncated or damaged file",
        "zero.png": "empty file (0 bytes)", "text.png": "not a picture the studio can read",
        "bomb.png": "too large to read safely: 100000×100000 pixels", "ninety-megapixels.png": None,
        "oversized.png": f"file too large ({MAX_FILE_BYTES // (1024 * 1024)} MB)",
        "huge-text.png": None,  # Pillow refuses its 3 MB text chunk; the studio strips text and uses the pixels
        "loop-a.png": "cannot read (Too many levels of symbolic links)",
        "loop-b.png": "cannot read (Too many levels of symbolic links)",
        "dangling.png": "cannot read (No such file or directory)", "fifo.png": "not a regular file",
        "unreadable.png": UNREADABLE,
    }


# chmod 000 denies a user, not root (CAP_DAC_OVERRIDE): then the file is simply used. The CLI test below
# runs `studio train` without root's override capabilities, so the real refusal is tested there too.
UNREADABLE = "cannot read (Permission denied)" if os.geteuid() != 0 else None


def test_corpus_importer(tmp_path: Path):
    expected = build_corpus(tmp_path / "corpus")
    folder = ImageFolder(tmp_path / "corpus", DataConfig(16))  # a hang is caught by the suite's timeout
    skipped = {s.path: s.reason for s in folder.report.skipped}
    for name, why in expected.items():
        if why is None:
            assert name not in skipped, f"{name} should train but was skipped: {skipped.get(name)}"
        else:
            assert name in skipped, f"{name} should be skipped"
            assert why in skipped[name], f"{name}: {skipped[name]}"
    assert set(skipped) <= set(expected), f"skipped without a reason expected here: {set(skipped) - set(expected)}"
    for name, why in skipped.items():  # the artist's words: no library, no jargon
        assert not re.search(r"pillow|\bPIL\b|decompression|bomb", why, re.I), f"{name}: {why}"
    used = len(folder)
    assert used == folder.report.used >= 12
    assert folder.images.shape[1:] == (16, 16, 3)


def _without_root_override() -> list[str]:
    """As root, run without the capabilities that ignore file permissions (so chmod 000 means unreadable)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def test_corpus_trains_from_cli(tmp_path: Path):
    expected = build_corpus(tmp_path / "corpus")
    expected["unreadable.png"] = "cannot read (Permission denied)"
    r = subprocess.run(_without_root_override() + [
                        sys.executable, "-m", "studio", "train", str(tmp_path / "corpus"), "--out",
                        str(tmp_path / "run"), "--model", "dcgan", "--resolution", "16", "--batch", "4",
                        "--width", "16", "--steps", "2", "--device", "cpu", "--quiet"],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    # The report: how many were used, then every skipped file with its reason; training finished.
    assert re.search(r"^1[2-4] images from .* \(\d+ skipped", r.stderr, re.M), r.stderr
    for name, why in expected.items():
        if why is not None:
            assert re.search(rf"skipped {re.escape(name)}: .*{re.escape(why)}", r.stderr), (name, r.stderr)
    assert "skipped fifo.png: not a regular file" in r.stderr
    assert "completed at step 2" in r.stderr
    print(r.stderr)


def test_folder_without_images(tmp_path: Path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "readme.txt").write_text("nothing to see")
    with pytest.raises(StudioError, match="No images found"):
        ImageFolder(empty, DataConfig(16))
    r = subprocess.run([sys.executable, "-m", "studio", "train", str(empty), "--out", str(tmp_path / "run"),
                        "--steps", "1", "--device", "cpu", "--quiet"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "No images found" in r.stderr and "Traceback" not in r.stderr


def forged_pngs(d: Path) -> dict[str, str]:
    """Studio-looking PNGs whose embedded recipe is malformed or enormous -> the message expected.
    All but one are files Pillow reads without complaint (uncompressed text has no per-chunk cap in Pillow),
    so each reaches one of the studio's own guards; pillow-refuses.png is the one Pillow stops first."""
    d.mkdir(parents=True, exist_ok=True)

    def png(name: str, chunks: dict[str, str], zip_: bool = False) -> None:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("gan-studio:version", "0.1.0")
        for k, v in chunks.items():
            info.add_itxt(k, v, zip=zip_)
        Image.new("RGB", (8, 8)).save(d / name, pnginfo=info)

    png("malformed.png", {"gan-studio:recipe": '{"seeds": [1, 2'})
    png("wrong-types.png", {"gan-studio:recipe": json.dumps({"seeds": "many", "truncation": "high"})})
    png("nested.png", {"gan-studio:recipe": "[" * 200_000 + "]" * 200_000})
    png("huge-number.png", {"gan-studio:recipe": json.dumps({"seeds": [10**400]})})
    png("too-many-seeds.png", {"gan-studio:recipe": json.dumps({"seeds": [1] * (MAX_SEEDS + 1)})})
    png("enormous.png", {"gan-studio:recipe": json.dumps({"seeds": [1] * (MAX_RECIPE_CHARS // 3 + 1)})})
    png("grid-bomb.png", {"gan-studio:grid": json.dumps({"cells": [{"seeds": [1]}] * (MAX_GRID_CELLS + 1),
                                                         "cols": 1})}, zip_=True)
    png("grid-enormous.png", {"gan-studio:grid": json.dumps({"cells": [{"seeds": [1]}] * (MAX_GRID_CHARS // 16 + 1),
                                                             "cols": 1})})
    png("pillow-refuses.png", {"gan-studio:recipe": json.dumps({"seeds": [1] * 3_000_000})}, zip_=True)
    return {
        "malformed.png": "The recipe in this PNG is not valid JSON.",
        "wrong-types.png": "The recipe's seeds must be a list",
        "nested.png": "The recipe in this PNG is not valid JSON.",
        "huge-number.png": "The recipe's seeds must be whole numbers",
        "too-many-seeds.png": f"seeds must be a list of at most {MAX_SEEDS} seeds",
        "enormous.png": f"characters long; more than the {MAX_RECIPE_CHARS} allowed",
        "grid-bomb.png": f"The grid recipe must have from 1 to {MAX_GRID_CELLS} cells.",
        "grid-enormous.png": f"characters long; more than the {MAX_GRID_CHARS} allowed",
        "pillow-refuses.png": "pillow-refuses.png cannot be read as a PNG (a text note inside it is too large).",
    }


# `studio` in a child that reports its own peak memory: VmHWM belongs to the process's own address space
# (ru_maxrss would carry the forked parent's high-water mark across exec).
PEAK_REPORTING_STUDIO = """
import sys
import zlib
from studio.__main__ import main
try:
    rc = main(sys.argv[1:])
finally:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    sys.stderr.write("\\npeak-kb " + (hwm[0].split()[1] if hwm else "0") + "\\n")
sys.exit(rc)
"""


# What a forged recipe may cost above reading a well-formed one (same command, same imports). Refusing the
# 9.6 MB grid by its length costs ~40 MB (the text's copies in Pillow and the studio, measured); parsing it
# first would cost several times that (a dict and a list per cell).
FORGED_MB_ABOVE_BASELINE = 80


def _peak_mb(png: Path) -> tuple[subprocess.CompletedProcess, float]:
    r = subprocess.run([sys.executable, "-c", PEAK_REPORTING_STUDIO, "info", str(png)],
                       capture_output=True, text=True, timeout=240)  # a hang guard, not a speed limit
    m = re.search(r"peak-kb (\d+)", r.stderr)
    assert m and int(m.group(1)) > 0, r.stderr
    return r, int(m.group(1)) / 1024


def test_forged_studio_pngs_give_a_message_with_bounded_memory(tmp_path: Path):
    cases = forged_pngs(tmp_path / "forged")
    for name in cases:
        if name != "pillow-refuses.png":  # what "reaches the studio's guard" means: Pillow reads the text
            with Image.open(tmp_path / "forged" / name) as im:
                assert any(k.startswith("gan-studio:") and k != "gan-studio:version" for k in im.info), name
    baseline_png = tmp_path / "valid.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("gan-studio:version", "0.1.0")
    info.add_itxt("gan-studio:recipe", json.dumps({"seeds": [1]}))
    Image.new("RGB", (8, 8)).save(baseline_png, pnginfo=info)
    r, baseline_mb = _peak_mb(baseline_png)
    assert r.returncode == 0, r.stderr
    for name, message in cases.items():
        r, peak_mb = _peak_mb(tmp_path / "forged" / name)
        print(f"{name}: peak {peak_mb:.0f} MB, baseline {baseline_mb:.0f} MB")
        assert r.returncode == 2, (name, r.stderr)
        assert r.stderr.startswith("error: ") and message in r.stderr and "Traceback" not in r.stderr, (name, r.stderr)
        assert peak_mb - baseline_mb < FORGED_MB_ABOVE_BASELINE, (
            f"{name}: peak {peak_mb:.0f} MB, {peak_mb - baseline_mb:.0f} MB above reading a well-formed recipe")


@pytest.mark.slow
def test_twenty_thousand_tiny_files(tmp_path: Path):
    d = tmp_path / "many"
    d.mkdir()
    data = _save(Image.new("RGB", (2, 2), (1, 2, 3)), "PNG")
    for i in range(20_000):
        (d / f"{i:05d}.png").write_bytes(data)
    folder = ImageFolder(d, DataConfig(16))  # its speed is bench/'s business; the suite's timeout guards a hang
    assert len(folder) == 20_000 and folder.report.duplicates == 19_999
