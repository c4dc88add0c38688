"""Inpainting on tiny trained checkpoints: the known pixels pull, the hole is filled, the seam is feathered,
the export carries what rebuilds it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import StudioError
from studio.core.explore.features import FeatureSpace, load_discriminator
from studio.core.explore.inpaint import (
    InpaintSettings,
    composite,
    feathered_mask,
    inpaint,
    known_pixel_error,
    load_mask,
    load_source,
    prepare_mask,
)
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, regenerate
from studio.core.formats.png_recipe import read_embedded
from tests.core.test_explore import make_run


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


@pytest.fixture(scope="module")
def style(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer.open(make_run("style", tmp_path_factory.mktemp("inpaint-style")), "cpu")


@pytest.fixture(scope="module")
def dcgan(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer.open(make_run("dcgan", tmp_path_factory.mktemp("inpaint-dcgan")), "cpu")


def square_hole(res: int, a: int, b: int) -> np.ndarray:
    hole = np.zeros((res, res), bool)
    hole[a:b, a:b] = True
    return hole


def test_feathered_mask_is_one_in_the_hole_and_zero_beyond_the_feather():
    hole = square_hole(16, 6, 10)
    alpha = feathered_mask(hole, 3)
    assert (alpha[hole] == 1).all()
    ys, xs = np.mgrid[:16, :16]
    hy, hx = np.nonzero(hole)
    dist = np.sqrt(((ys[..., None] - hy) ** 2 + (xs[..., None] - hx) ** 2).min(-1))
    assert (alpha[dist > 3] == 0).all()
    ring = (dist > 0) & (dist <= 3)
    assert ((alpha[ring] > 0) & (alpha[ring] < 1)).all()
    assert alpha[7, 11] > alpha[7, 12] > alpha[7, 13]  # fades with the distance from the hole
    assert np.array_equal(feathered_mask(hole, 0), hole.astype(np.float32))


def test_composite_is_the_picture_where_alpha_is_zero():
    rng = np.random.default_rng(0)
    pic, gen = (rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(2))
    alpha = feathered_mask(square_hole(16, 5, 9), 2)
    out = composite(pic, gen, alpha)
    assert np.array_equal(out[alpha == 0], pic[alpha == 0])
    assert np.array_equal(out[alpha == 1], gen[alpha == 1])


def test_mask_preparation_keeps_thin_strokes_and_checks_the_size():
    mask = np.zeros((64, 96), np.uint8)  # a wide picture: centre-cropped to 64 x 64 like the picture
    mask[30, 40:50] = 255  # a one-pixel stroke must not vanish at 16 px
    mask[:, :10] = 255  # outside the crop: ignored
    hole = prepare_mask(mask, (64, 96, 3), 16)
    assert hole.shape == (16, 16) and hole.any()
    assert np.array_equal(np.nonzero(hole.any(1))[0], [7])  # row 30 of 64 -> row 7 of 16
    assert not hole[:, 0].any()
    with pytest.raises(StudioError, match="paint the mask at the picture's size"):
        prepare_mask(np.zeros((10, 40), np.uint8), (64, 64, 3), 16)


def test_inpainting_fits_the_known_pixels_and_keeps_them(style: Renderer):
    res = style.resolution
    target = style.render(Recipe(seeds=[5]))  # a picture the generator can make
    hole = square_hole(res, 5, 11)
    settings = InpaintSettings(steps=60, seed=1, feather=2, lr=0.1)
    result = inpaint(style, target, hole, settings)
    # the loss on the known pixels goes down over the steps
    assert len(result.pixel_losses) == 60 and not result.cancelled
    assert result.pixel_losses[-1] < 0.5 * result.pixel_losses[0], result.pixel_losses[::10]
    first, last = np.mean(result.pixel_losses[:5]), np.mean(result.pixel_losses[-5:])
    assert last < first
    assert known_pixel_error(style, result.ws, target, hole) == pytest.approx(result.pixel_losses[-1], rel=0.5)
    # the composite is the input, bit for bit, outside the feathered mask; the generator's image inside the hole
    assert np.array_equal(result.composite[result.alpha == 0], target[result.alpha == 0])
    assert np.array_equal(result.composite[hole], result.generated[hole])
    seam = (result.alpha > 0) & (result.alpha < 1)
    assert seam.any()
    diff = np.abs(result.composite[seam].astype(int) - target[seam].astype(int))
    assert (diff <= np.abs(result.generated[seam].astype(int) - target[seam].astype(int)) + 1).all()
    # the recipe reproduces the generated image exactly
    assert np.array_equal(style.render(result.recipe()), result.generated)


def test_discriminator_features_also_lower_the_loss(style: Renderer):
    target = style.render(Recipe(seeds=[8]))
    hole = square_hole(style.resolution, 0, 6)
    feats = FeatureSpace(load_discriminator(style.checkpoint), "auto")
    result = inpaint(style, target, hole, InpaintSettings(steps=30, seed=2), features=feats)
    assert result.losses[-1] < result.losses[0]
    assert result.losses[0] > result.pixel_losses[0]  # the perceptual term is there


def test_export_records_source_and_mask_and_rebuilds_the_composite(style: Renderer, tmp_path: Path):
    res = style.resolution
    big = np.asarray(Image.fromarray(style.render(Recipe(seeds=[3]))).resize((4 * res, 4 * res), Image.NEAREST))
    Image.fromarray(big).save(tmp_path / "source.png")
    mask = np.zeros(big.shape[:2], np.uint8)
    mask[20:40, 16:44] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    source = load_source(tmp_path / "source.png")
    hole = prepare_mask(load_mask(tmp_path / "mask.png"), source.image.shape, res)
    result = inpaint(style, source.image, hole, InpaintSettings(steps=5, seed=4, feather=1))
    image, meta = result.artwork(style, source)
    path = Exporter(tmp_path / "out").save_png(image, "fixed.png", meta)
    again = Exporter(tmp_path / "out").save_png(image, "fixed.png", meta)
    assert again.name == "fixed-2.png"  # never overwrites
    emb = read_embedded(path)
    assert emb.inpaint is not None and emb.inpaint.source_sha256 == source.sha256
    assert emb.inpaint.source_name == "source.png" and emb.inpaint.feather == 1
    assert np.array_equal(emb.inpaint.hole(), hole)
    assert emb.to_json()["inpaint"]["settings"]["steps"] == 5
    generated = regenerate(emb, style)
    assert np.array_equal(generated, result.generated)
    assert np.array_equal(emb.inpaint.recomposite(generated, source), np.asarray(Image.open(path)))
    Image.fromarray(big[::-1]).save(tmp_path / "other.png")
    with pytest.raises(StudioError, match="SHA-256 differs"):
        emb.inpaint.recomposite(generated, load_source(tmp_path / "other.png"))


def test_bad_masks_are_sentences(style: Renderer):
    res = style.resolution
    pic = np.zeros((res, res, 3), np.uint8)
    with pytest.raises(StudioError, match="mask is empty"):
        inpaint(style, pic, np.zeros((res, res), bool))
    with pytest.raises(StudioError, match="covers the whole picture"):
        inpaint(style, pic, np.ones((res, res), bool))
    with pytest.raises(StudioError, match="feather"):
        inpaint(style, pic, square_hole(res, 2, 4), InpaintSettings(feather=99))


def test_cancel_returns_what_it_has(style: Renderer):
    calls = []
    result = inpaint(style, style.render(Recipe(seeds=[1])), square_hole(style.resolution, 4, 8),
                     InpaintSettings(steps=50), cancel=lambda: len(calls) >= 3,
                     progress=lambda i, n, loss: calls.append(i))
    assert result.cancelled and result.steps == 3 and len(result.losses) == 3


def test_dcgan_inpaints_by_z_projection(dcgan: Renderer):
    target = dcgan.render(Recipe(seeds=[6]))
    hole = square_hole(dcgan.resolution, 4, 10)
    result = inpaint(dcgan, target, hole, InpaintSettings(steps=40, seed=0, lr=0.1))
    assert result.pixel_losses[-1] < result.pixel_losses[0]
    z = result.ws[0, 0]
    assert float(z.norm()) == pytest.approx(dcgan.G.z_dim ** 0.5, rel=1e-4)  # stays a typical Gaussian sample
    assert np.array_equal(dcgan.render(result.recipe()), result.generated)
    assert np.array_equal(result.composite[result.alpha == 0], target[result.alpha == 0])
