"""Exploring a non-square run keeps its shape: renders, the style-mixing grid, exports regenerated bit for
bit (one picture and a grid), the atlas poster, projection targets and inpainting masks fitted as training
images are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import StudioError
from studio.core.explore.atlas import atlas_poster, build_atlas
from studio.core.explore.inpaint import InpaintSettings, inpaint, prepare_mask
from studio.core.explore.mixing import mix_grid
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, regenerate
from studio.core.formats.png_recipe import read_embedded
from studio.core.images import prepare_target

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


def make_run(model: str, aspect: str, base: Path) -> Path:
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    data = write_demo_data(base / "images", count=16, size=24)
    cfg = TrainConfig(data=str(data), model=model, resolution=24, aspect=aspect, batch=4, width=16, z_dim=16,
                      grid=4, device="cpu", steps=2)
    Trainer(cfg, base / "run").train()
    return base / "run"


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer.open(make_run("style", "3:2", tmp_path_factory.mktemp("landscape")), "cpu")


def test_render_mix_and_regenerate_bit_for_bit(landscape: Renderer, tmp_path: Path):
    assert landscape.size == (16, 24) and landscape.canvas == "24x16"
    recipe = Recipe(seeds=[3], truncation=0.8, noise_mode="random", noise_seed=5, upscale=2)
    img = landscape.render_final(recipe)
    assert img.shape == (32, 48, 3)
    path = Exporter(tmp_path).save_png(img, "one.png", landscape.describe(recipe))
    emb = read_embedded(path)
    assert emb.canvas == "24x16"
    assert np.array_equal(regenerate(emb, landscape), np.asarray(Image.open(path)))

    grid = mix_grid(landscape, [1, 2], [3, 4, 5], range(0, 2))
    assert grid.image.shape == (3 * 16 + 2 * 2, 4 * 24 + 3 * 2, 3)  # blank corner, sources, cells: all 24×16
    meta = landscape.describe_grid(grid.cells, grid.cols, kind="style-mixing")
    gpath = Exporter(tmp_path).save_png(grid.image, "mix.png", meta)
    assert np.array_equal(regenerate(read_embedded(gpath), landscape), grid.image)


def test_a_picture_of_another_shape_is_not_regenerated_by_this_checkpoint(landscape: Renderer, tmp_path: Path):
    recipe = Recipe(seeds=[1])
    meta = landscape.describe(recipe)
    meta["gan-studio:canvas"] = "16x16"
    path = Exporter(tmp_path).save_png(landscape.render(recipe), "other.png", meta)
    with pytest.raises(StudioError, match="made 16×16 px and this checkpoint makes 24×16 px"):
        regenerate(read_embedded(path), landscape)


def test_atlas_poster_keeps_the_shape(landscape: Renderer):
    atlas = build_atlas(landscape, [0, 1, 2, 3, 4])
    assert atlas.images.shape[1:] == (16, 24, 3)
    poster = atlas_poster(atlas)
    assert (poster.shape[0] - (atlas.rows - 1) * 2) % 16 == 0 and (poster.shape[1] - (atlas.cols - 1) * 2) % 24 == 0
    thumbs = atlas_poster(atlas, thumb=48)  # the long side: 48×32 thumbnails
    assert (thumbs.shape[1] - (atlas.cols - 1) * 2) == 48 * atlas.cols


def test_pictures_and_masks_are_fitted_to_the_shape(landscape: Renderer):
    square = np.zeros((60, 60, 3), np.uint8)
    square[:15] = 255  # the top quarter white: outside a centred 3:2 crop (rows 10-50)
    target = prepare_target(square, landscape.size)
    assert target.shape == (16, 24, 3) and target[0].max() > 200 and target[-1].max() < 40
    assert prepare_target(square, 16).shape == (16, 16, 3)  # a square model: as before
    mask = np.zeros((60, 60), np.uint8)
    mask[28:32, 28:32] = 255
    hole = prepare_mask(mask, square.shape, landscape.size)
    assert hole.shape == (16, 24) and hole[7:9, 11:13].any() and not hole[:, :6].any()


def test_inpainting_a_landscape_picture_round_trips(landscape: Renderer, tmp_path: Path):
    from studio.core.explore.inpaint import SourcePicture

    picture = np.full((32, 48, 3), 128, np.uint8)
    hole = np.zeros((16, 24), bool)
    hole[5:10, 8:16] = True
    result = inpaint(landscape, picture, hole, InpaintSettings(steps=3))
    assert result.composite.shape == (16, 24, 3)
    source = SourcePicture(picture, "0" * 64, "grey.png", str(tmp_path / "grey.png"))
    image, meta = result.artwork(landscape, source)
    path = Exporter(tmp_path).save_png(image, "fixed.png", meta)
    emb = read_embedded(path)
    assert emb.inpaint is not None and emb.inpaint.width == 24 and emb.inpaint.hole().shape == (16, 24)
    assert np.array_equal(emb.inpaint.recomposite(regenerate(emb, landscape), source), image)
