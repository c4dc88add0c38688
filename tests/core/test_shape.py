"""The canvas shape (core/shape.py): choosing the shape the networks make, fitting pictures to it, the
image folder in that shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.data import DataConfig, ImageFolder
from studio.core.errors import StudioError
from studio.core.shape import CanvasShape, canvas_shape, fit_picture, suggest_aspect


@pytest.mark.parametrize("aspect, resolution, size, block", [
    ("1:1", 64, (64, 64), (4, 4)),
    ("3:2", 24, (24, 16), (6, 4)),
    ("2:3", 24, (16, 24), (4, 6)),
    ("3:2", 32, (24, 16), (6, 4)),  # long sides 24 or 48: 24 is nearer 32
    ("3:2", 48, (48, 32), (6, 4)),
    ("16:9", 64, (56, 32), (7, 4)),
    ("9:16", 64, (32, 56), (4, 7)),
    ("4:3", 32, (32, 24), (4, 3)),
    ("3:4", 64, (48, 64), (3, 4)),
])
def test_nearest_shape_the_networks_make(aspect, resolution, size, block):
    shape = canvas_shape(aspect, resolution)
    assert (shape.width, shape.height) == size and (shape.block_w, shape.block_h) == block
    # The block doubled a whole number of times; asking again for what was made gives the same shape.
    assert shape.width // shape.block_w == shape.scale // 4 == shape.height // shape.block_h
    assert canvas_shape(aspect, shape.long_side) == shape


def test_shape_names_itself():
    assert canvas_shape("3:2", 24).describe() == "24×16 px (3:2 landscape)"
    assert canvas_shape("9:16", 64).describe() == "32×56 px (9:16 portrait)"
    assert canvas_shape("1:1", 32).describe() == "32×32 px (square)"


@pytest.mark.parametrize("aspect, resolution, message", [
    ("wide", 32, "not an aspect"),
    ("3:1", 32, "from 1:2 to 2:1"),
    ("1:1", 48, "power of two"),  # square runs keep their old rule
    ("3:2", 4096, "long side"),
])
def test_bad_shapes_are_sentences(aspect, resolution, message):
    with pytest.raises(StudioError, match=message):
        canvas_shape(aspect, resolution)


def test_a_shape_that_is_no_doubled_block_is_refused():
    with pytest.raises(StudioError, match="block"):
        CanvasShape(24, 17, 6, 4)


def _stripes(w: int, h: int) -> Image.Image:
    """Left third red, middle green, right third blue."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:, : w // 3, 0] = 255
    a[:, w // 3: 2 * w // 3, 1] = 255
    a[:, 2 * w // 3:, 2] = 255
    return Image.fromarray(a)


def test_fit_crop_keeps_the_centre_in_the_shape():
    # A square picture into a landscape shape: the crop takes full width, the middle rows.
    out = np.asarray(fit_picture(_stripes(90, 90), 24, 16, "crop", (255, 255, 255)))
    assert out.shape == (16, 24, 3)
    assert out[8, 2, 0] > 200 and out[8, 12, 1] > 200 and out[8, 21, 2] > 200
    # A wide picture into a portrait shape: only the middle (green) third survives.
    out = np.asarray(fit_picture(_stripes(300, 100), 16, 24, "crop", (255, 255, 255)))
    assert out.shape == (24, 16, 3) and (out[:, 4:12, 1] > 200).all() and (out[:, 4:12, 0] < 60).all()


def test_fit_pad_keeps_the_whole_picture_and_fills_with_the_background():
    out = np.asarray(fit_picture(_stripes(90, 90), 24, 16, "pad", (0, 0, 0)))
    assert out.shape == (16, 24, 3)
    assert (out[:, :4] == 0).all() and (out[:, -4:] == 0).all()  # the bars at the sides
    assert out[8, 6, 0] > 200 and out[8, 12, 1] > 200 and out[8, 17, 2] > 200  # all three stripes


def test_square_fit_is_unchanged():
    """The square path gives the pixels it gave before shapes existed (centre square, Lanczos)."""
    img = _stripes(60, 40)
    old = img.crop((10, 0, 50, 40)).resize((16, 16), Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert np.array_equal(np.asarray(fit_picture(img, 16, 16, "crop", (255, 255, 255))), np.asarray(old))


def test_image_folder_in_the_shape(tmp_path: Path):
    for i in range(3):
        _stripes(60 + 10 * i, 40).save(tmp_path / f"{i}.png")
    cfg = DataConfig(24, aspect="3:2")
    folder = ImageFolder(tmp_path, cfg, cache_dir=tmp_path / "cache")
    assert folder.images.shape == (3, 16, 24, 3)
    again = ImageFolder(tmp_path, cfg, cache_dir=tmp_path / "cache")
    assert again.report.from_cache and np.array_equal(again.images, folder.images)
    square = ImageFolder(tmp_path, DataConfig(16), cache_dir=tmp_path / "cache")
    assert not square.report.from_cache and square.images.shape == (3, 16, 16, 3)


def test_aspect_suggested_from_the_folder():
    assert suggest_aspect([(300, 200)] * 5 + [(100, 100)] * 2)[0] == "3:2"
    aspect, sentence = suggest_aspect([(90, 160)] * 3)
    assert aspect == "9:16" and "portrait" in sentence
    assert suggest_aspect([(64, 64), (60, 64)])[0] == "1:1"
    assert suggest_aspect([])[0] == "1:1"


@pytest.mark.parametrize("aspect, first, last", [
    ("1:1", "16×16", "1024×1024"),
    ("3:2", "24×16", "768×512"),
    ("2:3", "16×24", "512×768"),
    ("16:9", "28×16", "896×512"),
    ("4:3", "16×12", "1024×768"),
])
def test_the_sizes_a_shape_offers_are_each_made_once_and_exactly(aspect, first, last):
    # Issue 27: at 3:2 the window offered "16 px" and "32 px", both 24×16. The list is what the networks
    # make for the aspect, smallest first, each once, and asking for one's long side makes exactly it.
    from studio.core.shape import canvas_sizes

    sizes = canvas_sizes(aspect)
    names = [f"{s.width}×{s.height}" for s in sizes]
    assert (names[0], names[-1]) == (first, last)
    assert len(set(sizes)) == len(sizes) and [s.scale for s in sizes] == sorted(s.scale for s in sizes)
    assert [s.scale for s in sizes] == [16 * 2**i for i in range(len(sizes))]  # a scale per entry, none skipped
    for s in sizes:
        assert canvas_shape(aspect, s.long_side) == s
