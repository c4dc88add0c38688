"""The importer: formats, transparency, fit modes, classes, skipped-file reports, the cache."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.data import DataConfig, ImageFolder, decode_image
from studio.core.errors import StudioError


def _png(img: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, format="PNG", **kw)
    return b.getvalue()


def test_rgba_composited_on_background():
    img = Image.new("RGBA", (10, 10), (255, 0, 0, 0))  # fully transparent red
    arr, size = decode_image(_png(img), DataConfig(16, background=(0, 0, 255)))
    assert size == (10, 10)
    assert arr.shape == (16, 16, 3)
    assert (arr == [0, 0, 255]).all()


def test_modes_cmyk_16bit_palette_gray_exif(tmp_path: Path):
    cfg = DataConfig(16)
    cmyk = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(cmyk, format="JPEG")
    arr, _ = decode_image(cmyk.getvalue(), cfg)
    assert arr[..., 0].mean() > 200 and arr[..., 1].mean() < 60  # red
    g16 = Image.fromarray(np.full((8, 8), 65535, np.uint16))
    arr, _ = decode_image(_png(g16), cfg)
    assert arr.min() >= 254
    pal = Image.new("P", (8, 8), 0)
    pal.putpalette([0, 255, 0] * 256)
    arr, _ = decode_image(_png(pal, transparency=0), cfg)  # palette index 0 transparent -> white
    assert (arr == 255).all()
    arr, _ = decode_image(_png(Image.new("L", (8, 8), 100)), cfg)
    assert (arr == 100).all()
    # EXIF orientation 6 (rotate 90° CW): a 20x10 landscape stored image becomes portrait.
    img = Image.new("RGB", (20, 10), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 10, 10))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6
    b = io.BytesIO()
    img.save(b, format="JPEG", exif=exif, quality=95)
    arr, size = decode_image(b.getvalue(), DataConfig(16, fit="pad", background=(255, 0, 0)))
    assert size == (20, 10)
    # After rotation the image is 10 wide, 20 tall: padding (red) on the left and right.
    assert arr[8, 0, 0] > 200 and arr[8, 0, 1] < 60
    assert arr[2, 8].mean() > 200  # top is white (was left)


def test_crop_vs_pad():
    img = Image.new("RGB", (40, 10), (0, 0, 0))
    crop, _ = decode_image(_png(img), DataConfig(16, fit="crop"))
    pad, _ = decode_image(_png(img), DataConfig(16, fit="pad", background=(255, 255, 255)))
    assert crop.max() == 0
    assert pad[0, 0].tolist() == [255, 255, 255] and pad[8, 8].max() == 0


def test_folder_reports_skipped_files_and_duplicates(tmp_path: Path):
    d = tmp_path / "in"
    d.mkdir()
    good = _png(Image.new("RGB", (30, 30), (10, 20, 30)))
    (d / "a.png").write_bytes(good)
    (d / "a-copy.png").write_bytes(good)
    (d / "sub").mkdir()
    Image.new("RGB", (17, 33), (200, 0, 0)).save(d / "sub" / "b.jpg")
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("not an image")
    (d / "trunc.png").write_bytes(good[: len(good) // 2])
    (d / "notes.txt").write_text("ignored: not an image suffix")
    before = sorted(os.listdir(d))
    folder = ImageFolder(d, DataConfig(16))
    assert len(folder) == 3
    assert folder.images.shape == (3, 16, 16, 3) and folder.images.dtype == np.uint8
    reasons = {s.path: s.reason for s in folder.report.skipped}
    assert set(reasons) == {"empty.png", "text.png", "trunc.png"}
    assert "empty" in reasons["empty.png"]
    assert "not a picture the studio can read" in reasons["text.png"]
    assert "truncated" in reasons["trunc.png"] or "damaged" in reasons["trunc.png"]
    assert folder.report.duplicates == 1
    assert sorted(os.listdir(d)) == before  # never modifies the user's folder


def test_empty_and_missing_folders_are_clear_errors(tmp_path: Path):
    with pytest.raises(StudioError, match="No images found"):
        ImageFolder(tmp_path)
    (tmp_path / "bad.png").write_text("x")
    with pytest.raises(StudioError, match="could be read"):
        ImageFolder(tmp_path)
    with pytest.raises(StudioError, match="does not exist"):
        ImageFolder(tmp_path / "nope")
    with pytest.raises(StudioError, match="power of two"):
        ImageFolder(tmp_path, DataConfig(48))


def test_classes_from_subfolders(tmp_path: Path):
    for name, col in (("cats", (255, 0, 0)), ("dogs", (0, 0, 255))):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("RGB", (20, 20), col).save(tmp_path / name / f"{i}.png")
    Image.new("RGB", (20, 20)).save(tmp_path / "loose.png")
    folder = ImageFolder(tmp_path, DataConfig(16, classes=True))
    assert folder.class_names == ["cats", "dogs"]
    assert folder.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert folder.report.class_counts == [3, 3]
    assert folder.images[0, 0, 0, 0] > 200 and folder.images[5, 0, 0, 2] > 200
    assert any("class sub-folder" in s.reason for s in folder.report.skipped)


def test_cache_is_reused(tiny_folder: Path, tmp_path: Path):
    cfg = DataConfig(16)
    first = ImageFolder(tiny_folder, cfg, cache_dir=tmp_path / "cache")
    second = ImageFolder(tiny_folder, cfg, cache_dir=tmp_path / "cache")
    assert not first.report.from_cache and second.report.from_cache
    np.testing.assert_array_equal(first.images, second.images)


def test_real_twemoji_rgba(twemoji_sample: Path):
    folder = ImageFolder(twemoji_sample, DataConfig(32))
    assert len(folder) == 32 and not folder.report.skipped
    # Transparent corners became the white background.
    assert (folder.images[:, 0, 0] == 255).all()


def test_pictures_kept_as_read_refit_to_the_same_pixels_without_reading_the_files(tmp_path: Path, twemoji_sample: Path):
    """Issue 27 item 9: a Shape or Resolution change in the window fits the pictures it read before again
    instead of reading every file; the pixels are those a fresh reading gives (any shape, fit, background).
    A JPEG is read again (it decodes at a scale that depends on the size asked)."""
    from PIL import Image

    from studio.core.data import DataConfig, ImageFolder
    from studio.core.data.sources import SourceCache

    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in sorted(twemoji_sample.glob("*.png"))[:12]:
        (folder / p.name).write_bytes(p.read_bytes())
    Image.new("RGB", (80, 60), (200, 30, 30)).save(folder / "photo.jpg")
    pal = Image.new("P", (40, 50), 0)
    pal.putpalette([255, 255, 255, 0, 120, 0] + [0] * 762)
    pal.paste(1, (5, 5, 30, 45))
    pal.info["transparency"] = 0
    pal.save(folder / "palette.png", transparency=0)
    sources = SourceCache()
    first = ImageFolder(folder, DataConfig(32), sources=sources)
    assert len(first) == 14 and sources.hits == 0 and len(sources) == 13  # the JPEG is not kept
    for config in (DataConfig(64, "crop", (255, 255, 255), False, "3:2"), DataConfig(16, "pad", (0, 0, 0))):
        again = ImageFolder(folder, config, sources=sources)
        fresh = ImageFolder(folder, config)
        assert np.array_equal(again.images, fresh.images), config
        assert again.report.transparent == fresh.report.transparent and again.report.cut == fresh.report.cut
        assert again.report.duplicates == fresh.report.duplicates and again.report.sizes == fresh.report.sizes
    assert sources.hits == 2 * 13
    (folder / "palette.png").write_bytes((twemoji_sample / sorted(p.name for p in twemoji_sample.glob("*.png"))[20]).read_bytes())
    changed = ImageFolder(folder, DataConfig(32), sources=sources)  # a file changed since: read again
    assert np.array_equal(changed.images, ImageFolder(folder, DataConfig(32)).images)
