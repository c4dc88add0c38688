"""Large pictures are read made smaller, with bounded memory; a bomb (a small file declaring billions of
pixels) is refused from its header, in words an artist understands."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.data import MAX_PIXELS, DataConfig, ImageError, ImageFolder, decode_image
from studio.core.data.decode import MemoryBudget, decode_picture
from studio.core.errors import StudioError
from studio.core.images import load_picture
from studio.core.shape import fit_picture
from tests.conftest import HANG_GUARD_S
from tests.core.test_input_corpus import png_declaring

W, H = 16000, 12000  # the photograph of the walkthrough: past Pillow's own limit (179 megapixels)
COLOUR = (200, 120, 40)
FULL_SIZE_MB = W * H * 4 / 2**20  # the picture decoded whole (Pillow keeps RGB in 4 bytes a pixel): 732 MB


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def flat_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A flat-colour RGB PNG written row by row (its pixels never exist whole here; 2.5 MB for 16000 × 12000)."""
    z = zlib.compressobj(1)
    parts = [z.compress(b"\x00" + bytes(rgb) * width)]
    same_as_above = (b"\x02" + bytes(3 * width)) * 50  # filter "up", all differences zero; 50 rows at a time
    for rows in range(height - 1, 0, -50):
        parts.append(z.compress(same_as_above[:min(50, rows) * (3 * width + 1)]))
    parts.append(z.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


# Decodes one file in a child that reports its own peak memory (VmHWM: this process's high-water mark).
PEAK_REPORTING_DECODE = """
import json, sys
from pathlib import Path
from studio.core.data import DataConfig, decode_image
pixels, size = decode_image(Path(sys.argv[1]).read_bytes(), DataConfig(64))
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(json.dumps({"size": size, "shape": pixels.shape, "colour": pixels.reshape(-1, 3).mean(0).tolist(),
                  "peak_mb": int(hwm[0].split()[1]) / 1024}))
"""


def _decode_in_child(path: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", PEAK_REPORTING_DECODE, str(path)], capture_output=True, text=True,
                       timeout=HANG_GUARD_S)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["size"] == [W, H] and out["shape"] == [64, 64, 3], out
    assert np.allclose(out["colour"], COLOUR, atol=4), out
    return out


@pytest.fixture(scope="module")
def huge(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("huge")
    (d / "photo.png").write_bytes(flat_png(W, H, COLOUR))
    b = io.BytesIO()
    Image.new("RGB", (W, H), COLOUR).save(b, format="JPEG", quality=50)
    (d / "photo.jpg").write_bytes(b.getvalue())
    return {"png": d / "photo.png", "jpg": d / "photo.jpg"}


def test_a_16000_by_12000_jpeg_is_read_at_a_reduced_scale(huge):
    peak_mb = _decode_in_child(huge["jpg"])["peak_mb"]
    # Decoded at 1/8 scale (2000 × 1500): it never exists at full size in memory.
    assert peak_mb < FULL_SIZE_MB / 4, f"peak {peak_mb:.0f} MB"


def test_a_16000_by_12000_png_is_read_with_no_full_size_copy(huge):
    peak_mb = _decode_in_child(huge["png"])["peak_mb"]
    # A PNG can only be decoded whole; it is reduced before any conversion, crop or rotation copies it.
    assert peak_mb < 1.5 * FULL_SIZE_MB, f"peak {peak_mb:.0f} MB, the picture whole is {FULL_SIZE_MB:.0f} MB"


def test_a_huge_picture_trains_from_a_folder(huge, tmp_path: Path):
    folder = tmp_path / "art"
    folder.mkdir()
    for p in huge.values():
        (folder / p.name).symlink_to(p)
    images = ImageFolder(folder, DataConfig(32))
    assert len(images) == 2 and not images.report.skipped
    assert images.report.sizes == [(W, H), (W, H)]


def test_a_bomb_is_refused_from_its_header():
    with pytest.raises(ImageError) as e:
        decode_image(png_declaring(100_000, 100_000), DataConfig(16))
    assert str(e.value) == ("too large to read safely: 100000×100000 pixels (the studio reads pictures of up "
                            f"to {MAX_PIXELS // 1_000_000} megapixels)")


@pytest.mark.parametrize("pillows_limit", [None, Image.MAX_IMAGE_PIXELS, 10 * MAX_PIXELS])
def test_the_limit_is_the_studios_whatever_pillows_is(monkeypatch, pillows_limit):
    """Pillow's process-wide limit (some applications lift or raise it) does not move the studio's."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillows_limit)
    side = int(MAX_PIXELS**0.5) + 1
    with pytest.raises(ImageError, match=rf"too large to read safely: {side}×{side} pixels"):
        decode_image(png_declaring(side, side), DataConfig(16))
    pixels, size = decode_image(flat_png(300, 200, COLOUR), DataConfig(16))
    assert size == (300, 200) and (pixels == COLOUR).all()


def test_reading_needs_no_warning_filter():
    """Files are decoded in a thread pool; a process-wide warnings filter set by another thread must not
    decide whether a picture is read (an old flake: a 90-megapixel picture's fate rested on Pillow's
    warning). With every warning an error, a picture past Pillow's warning limit is still read."""
    data = io.BytesIO()
    Image.new("1", (10000, 9000), 1).save(data, format="PNG")
    assert Image.MAX_IMAGE_PIXELS < 10000 * 9000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pixels, size = decode_image(data.getvalue(), DataConfig(16))
    assert size == (10000, 9000) and (pixels == 255).all()


def _pattern(w: int, h: int) -> np.ndarray:
    """A picture with detail at every scale, so that a wrong reduction shows."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, ((x // 97 + y // 89) % 2) * 255], -1).astype(np.uint8)


@pytest.mark.parametrize("fit", ["crop", "pad"])
def test_the_reduced_reading_looks_like_the_whole_one(fit):
    """A picture far larger than the run is box-reduced first; the result matches fitting it whole."""
    rgb = Image.fromarray(_pattern(2400, 1500))
    config = DataConfig(32, fit=fit, background=(0, 0, 0))
    b = io.BytesIO()
    rgb.save(b, format="PNG")
    reduced, _ = decode_image(b.getvalue(), config)
    whole = np.asarray(fit_picture(rgb, 32, 32, fit, (0, 0, 0)))
    assert np.abs(reduced.astype(int) - whole).mean() < 3


def test_the_reduced_reading_keeps_orientation_palette_and_transparency():
    """The modes that cannot be averaged as they are (palettes, 1-bit, 16-bit) and EXIF rotation on the
    reducing path (a picture 60 times the run's size)."""
    config = DataConfig(16, fit="pad", background=(255, 0, 0))
    img = Image.new("RGB", (1920, 960), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 960, 960))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise: the stored landscape is a portrait, its left half on top
    b = io.BytesIO()
    img.save(b, format="JPEG", exif=exif, quality=95)
    arr, size = decode_image(b.getvalue(), config)
    assert size == (1920, 960)
    assert arr[8, 0, 0] > 200 and arr[8, 0, 1] < 60  # red padding left and right of the portrait
    assert arr[2, 8].mean() > 200 and arr[13, 8].mean() < 60  # white on top

    pal = Image.new("P", (1000, 1000), 0)
    pal.putpalette([0, 255, 0] * 128 + [0, 0, 255] * 128)
    pal.paste(200, (0, 500, 1000, 1000))  # bottom half: palette index 200, blue
    b = io.BytesIO()
    pal.save(b, format="PNG", transparency=0)  # index 0 (the top half) see-through
    d = decode_picture(b.getvalue(), config)
    assert d.transparent
    assert (d.pixels[2, 8] == (255, 0, 0)).all() and (d.pixels[13, 8] == (0, 0, 255)).all()

    for grey in (Image.new("1", (1000, 1000), 1), Image.fromarray(np.full((1000, 1000), 65535, np.uint16))):
        b = io.BytesIO()
        grey.save(b, format="PNG")
        arr, _ = decode_image(b.getvalue(), DataConfig(16))
        assert arr.min() >= 254, grey.mode


def test_the_memory_budget_lets_a_large_picture_wait_for_room():
    budget = MemoryBudget(100)
    order: list[str] = []
    with budget.hold(70):
        def large() -> None:
            with budget.hold(60):
                order.append("large")

        t = threading.Thread(target=large)
        t.start()
        while not budget.waiting:  # until the large one has asked and waits
            assert t.is_alive(), "the large one ran past the budget"
            t.join(0.001)
        order.append("first done")
    t.join(HANG_GUARD_S)
    assert order == ["first done", "large"] and budget.held == 0
    with budget.hold(500):  # larger than the whole budget: goes alone, when nothing else is held
        assert budget.held == 500


def test_a_bomb_opened_in_explore_is_refused_in_the_artists_words(tmp_path: Path):
    """A picture opened to explore with (projection, inpainting) goes through core/images.py, not the
    importer: the same refusal, without Pillow's 'decompression bomb DOS attack'."""
    (tmp_path / "bomb.png").write_bytes(png_declaring(100_000, 100_000))
    with pytest.raises(StudioError) as e:
        load_picture(tmp_path / "bomb.png")
    assert str(e.value).startswith("bomb.png is too large to read safely (more than ")
    assert not re.search(r"pillow|\bPIL\b|decompression|bomb attack|DOS", str(e.value).replace("bomb.png", ""), re.I)
