"""Transparent export: the run's background colour taken back out as alpha (core/alpha.py), around the
subject (the background connected to the picture's edges; enclosed whites stay opaque) or everywhere it shows,
recorded in the recipe so that a PNG regenerates bit for bit, at every shape and upscale, from the CLI too
(recipes from before regions reproduce what they made); and a real tiny run trained on transparent pictures
exports them with transparent corners, and one trained on rings keeps their white inside opaque."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from studio.core.alpha import EDGES, EVERYWHERE, color_to_alpha, composite, cut_out, finish, live_grid
from studio.core.explore.artwork import ArtworkRequest, export_artwork
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, regenerate
from studio.core.formats.png_recipe import read_embedded
from studio.core.formats.run import RunDir
from studio.core.images import upscale

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py

WHITE = (255, 255, 255)
COLOURS = [(220, 40, 0), (0, 160, 60), (40, 0, 200), (230, 180, 0)]  # each has a channel at 0: opaque on white


def disc_folder(folder: Path, width: int, height: int, count: int = 16) -> Path:
    """Coloured discs on a transparent canvas (emoji-like), as RGBA PNGs."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        r = min(width, height) // 4 + i % 3
        cx, cy = width // 2, height // 2
        ImageDraw.Draw(im).ellipse([cx - r, cy - r, cx + r, cy + r], fill=COLOURS[i % 4] + (255,))
        im.save(folder / f"disc-{i:02d}.png")
    return folder


def train(data: Path, run: Path, resolution: int, aspect: str = "1:1", steps: int = 2, lr: float | None = None
          ) -> Path:
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    cfg = TrainConfig(data=str(data), model="dcgan", resolution=resolution, aspect=aspect, batch=8, width=16,
                      z_dim=16, grid=4, device="cpu", steps=steps, ema_kimg=0.0, augment="none", lr_g=lr, lr_d=lr)
    Trainer(cfg, run).train()
    return run


def pixels(path: Path) -> tuple[str, np.ndarray]:
    with Image.open(path) as im:
        return im.mode, np.asarray(im).copy()


def test_colour_to_alpha_gives_back_the_alpha_of_a_picture_laid_on_white():
    rng = np.random.default_rng(0)
    h, w = 24, 16
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., :3] = rng.integers(0, 256, (h, w, 3))
    kind = rng.integers(0, 3, (h, w))  # 0: clear, 1: opaque, 2: partly
    opaque = kind == 1
    # An opaque pixel is only recognisable as opaque when a channel is as far from white as it goes.
    rgba[opaque, rng.integers(0, 3)] = 0
    rgba[..., 3] = np.where(kind == 0, 0, np.where(opaque, 255, rng.integers(1, 255, (h, w))))
    laid = composite(rgba, WHITE)
    back = color_to_alpha(laid, WHITE)
    alpha = back[..., 3].astype(int)
    assert np.abs(alpha[kind == 0] - 0).max() <= 1
    assert np.abs(alpha[opaque] - 255).max() <= 1
    assert np.abs(back[opaque, :3].astype(int) - rgba[opaque, :3]).max() <= 1
    # Every pixel, partly transparent ones too, lays back onto white as the picture it came from.
    assert np.abs(composite(back, WHITE).astype(int) - laid).max() <= 1
    # Not a test that passes on any RGBA: the composite without the alpha is not the picture.
    assert np.abs(back[..., :3].astype(int) - laid).max() > 50


def test_colour_to_alpha_on_a_coloured_background():
    bg = (32, 96, 200)
    rgb = np.array([[bg, (0, 0, 0), (255, 255, 255), (32, 96, 255), (40, 100, 190)]], np.uint8)
    out = color_to_alpha(rgb, bg)
    assert out[0, 0, 3] == 0  # the background itself: clear
    assert out[0, 1, 3] == 255 and out[0, 2, 3] == 255  # as far as a colour gets from it: opaque
    assert np.abs(composite(out, bg).astype(int) - rgb).max() <= 1
    with pytest.raises(ValueError):
        color_to_alpha(np.zeros((2, 2, 4), np.uint8), bg)


def ring_on_white(width: int, height: int) -> np.ndarray:
    """A dark ring with an opaque white inside (the white of an eye) on a clear canvas, drawn x4 and reduced
    (soft, anti-aliased edges), then laid on white as training lays it: inside and around are both #ffffff."""
    big = Image.new("RGBA", (width * 4, height * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    w, h = width * 4, height * 4
    d.ellipse([w * 0.1, h * 0.1, w * 0.9, h * 0.9], fill=(30, 20, 90, 255))
    d.ellipse([w * 0.3, h * 0.3, w * 0.7, h * 0.7], fill=(255, 255, 255, 255))
    small = big.resize((width, height), Image.LANCZOS)
    return composite(np.asarray(small), WHITE)


@pytest.mark.parametrize("shape", [(32, 32), (24, 16)])
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_around_the_subject_the_background_goes_and_the_white_inside_stays(shape: tuple[int, int], scale: int):
    width, height = shape
    picture = ring_on_white(width, height)
    out = finish(picture, scale, True, WHITE)  # the default region: around the subject
    H, W = height * scale, width * scale
    assert out.shape == (H, W, 4)
    a = out[..., 3].astype(int)
    assert max(a[0, 0], a[0, -1], a[-1, 0], a[-1, -1]) == 0  # the corners are clear
    middle = np.s_[H // 2 - scale: H // 2 + scale, W // 2 - scale: W // 2 + scale]
    inside = out[middle]
    assert (inside[..., 3] == 255).all() and inside[..., :3].min() >= 250  # the white inside: opaque white
    assert np.array_equal(inside[..., :3], upscale(picture, scale)[middle])  # exactly as trained
    assert a[H // 2, round(W * 0.2)] == 255  # the ring itself
    assert ((a > 0) & (a < 255)).any()  # the ring's outer rim stays soft
    # Laid back on white, it is the picture as trained (within rounding): only alpha was chosen.
    assert np.abs(composite(out, WHITE).astype(int) - upscale(picture, scale)).max() <= 1
    # "Everywhere" (the first transparent export) clears the white inside too; it stays available.
    everywhere = finish(picture, scale, True, WHITE, EVERYWHERE)
    assert everywhere[H // 2, W // 2, 3] == 0
    assert np.array_equal(everywhere, color_to_alpha(upscale(picture, scale), WHITE))


def test_a_light_subject_keeps_its_edge_opaque():
    """A hard-edged yellow disc on white: colour-to-alpha makes every disc pixel 70 % opaque; around the
    subject the whole disc stays opaque, its edge pixels too (a flat colour is no anti-aliased rim)."""
    picture = np.full((20, 20, 3), 255, np.uint8)
    yy, xx = np.mgrid[:20, :20]
    disc = (yy - 9.5) ** 2 + (xx - 9.5) ** 2 < 7 ** 2
    picture[disc] = (255, 204, 77)
    out = cut_out(picture, WHITE)
    assert (out[disc, 3] == 255).all() and (out[~disc, 3] == 0).all()
    assert np.array_equal(out[disc, :3], picture[disc])
    assert color_to_alpha(picture, WHITE)[disc, 3].max() < 200  # what "everywhere" makes of it


def test_the_background_flows_up_down_left_right_not_through_a_diagonal_line():
    """4-connectivity: a one-pixel diamond outline (diagonal steps only) still encloses its inside."""
    picture = np.full((21, 21, 3), 255, np.uint8)
    for k in range(8):
        for y, x in ((10 - 8 + k, 10 + k), (10 + k, 10 + 8 - k), (10 + 8 - k, 10 - k), (10 - k, 10 - 8 + k)):
            picture[y, x] = 0
    out = cut_out(picture, WHITE)
    assert out[10, 10, 3] == 255 and out[0, 0, 3] == 0 and out[10, 1, 3] == 0


def test_a_transparent_live_grid_has_clear_gaps_and_keeps_each_cells_inside():
    from studio.core.images import grid_image

    cells = torch.from_numpy(np.stack([ring_on_white(24, 16)] * 4)).permute(0, 3, 1, 2).float() / 127.5 - 1
    grid = grid_image(cells, nrow=2)  # the live grid: a 2 px black frame and black gaps
    assert grid.shape == (2 + 2 * 18, 2 + 2 * 26, 3)
    for region in (EDGES, EVERYWHERE):
        out = live_grid(grid, WHITE, region)
        assert out[0, 0, 3] == 0 and out[:, 27, 3].max() == 0 and out[19, :, 3].max() == 0  # frame, gaps
        assert out[2, 2, 3] == 0  # a cell's corner
        assert out[2 + 8, 2 + 12, 3] == (255 if region == EDGES else 0)  # a cell's white inside
    # A single picture (no black frame) keeps its pixels: nothing is taken for a gap.
    alone = ring_on_white(24, 16)
    alone[:, :2] = 0
    assert live_grid(alone, WHITE)[8, 0, 3] == 255


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Renderer]:
    """Two 2-step runs on transparent discs: square 16 px and landscape 24x16."""
    base = tmp_path_factory.mktemp("transparent-shapes")
    square = train(disc_folder(base / "sq", 16, 16), base / "sq-run", 16)
    wide = train(disc_folder(base / "wide", 24, 16), base / "wide-run", 24, "3:2")
    return {"16x16": Renderer.open(square), "24x16": Renderer.open(wide)}


@pytest.mark.parametrize("shape", ["16x16", "24x16"])
@pytest.mark.parametrize("scale", [1, 2, 4])
@pytest.mark.parametrize("region", [EDGES, EVERYWHERE])
def test_a_transparent_export_regenerates_bit_for_bit(runs: dict[str, Renderer], tmp_path: Path, shape: str,
                                                      scale: int, region: str):
    r = runs[shape]
    w, h = (int(v) for v in shape.split("x"))
    recipe = Recipe(seeds=[3], truncation=0.8, upscale=scale, transparent=True, transparent_region=region)
    path = Exporter(tmp_path).save_recipe(r, recipe, "t.png")
    mode, px = pixels(path)
    assert mode == "RGBA" and px.shape == (h * scale, w * scale, 4)
    emb = read_embedded(path)
    assert emb.recipe.transparent and emb.recipe.transparent_region == region and emb.canvas == shape
    again = regenerate(emb, r)
    assert again.dtype == np.uint8 and np.array_equal(again, px)
    # Upscaled, then the background taken out: laid back on it, the export is the "as trained" one (no halo).
    as_trained = r.render_final(Recipe(seeds=[3], truncation=0.8, upscale=scale))
    assert np.abs(composite(px, r.background).astype(int) - as_trained).max() <= 1
    # "As trained" is still RGB, and an old recipe (no "transparent" key) reads as trained.
    plain = Exporter(tmp_path).save_recipe(r, Recipe(seeds=[3]), "p.png")
    assert pixels(plain)[0] == "RGB"
    old = {k: v for k, v in Recipe(seeds=[3]).to_json().items() if k != "transparent"}
    assert Recipe.from_json(old).transparent is False


@pytest.mark.parametrize("scale", [1, 4])
def test_a_transparent_png_from_before_regions_regenerates_what_it_made(runs: dict[str, Renderer], tmp_path: Path,
                                                                        scale: int):
    """`"transparent": true` without a region was made by the global colour-to-alpha: it still means that."""
    r = runs["24x16"]
    recipe = Recipe(seeds=[3], upscale=scale, transparent=True)
    meta = r.describe(recipe)
    old = json.loads(meta["gan-studio:recipe"])
    del old["transparent_region"]
    meta["gan-studio:recipe"] = json.dumps(old)
    made = color_to_alpha(upscale(r.render(recipe), scale), r.background)  # what the first version exported
    path = Exporter(tmp_path).save_png(made, "old.png", meta)
    emb = read_embedded(path)
    assert emb.recipe.transparent_region == EVERYWHERE
    assert np.array_equal(regenerate(emb, r), pixels(path)[1])


@pytest.mark.parametrize("region", [EDGES, EVERYWHERE])
def test_a_transparent_grid_regenerates_bit_for_bit(runs: dict[str, Renderer], tmp_path: Path, region: str):
    r = runs["24x16"]
    req = ArtworkRequest(kind="grid", folder=str(tmp_path), name="fav", scale=2,
                         favourites=(Recipe(seeds=[1]), Recipe(seeds=[2]), Recipe(seeds=[5])), transparent=True,
                         transparent_region=region)
    path = export_artwork(r, req)
    mode, px = pixels(path)
    emb = read_embedded(path)
    assert mode == "RGBA" and emb.grid.transparent and emb.grid.transparent_region == region
    assert np.array_equal(regenerate(emb, r), px)
    if region == EDGES:  # each cell cut out on its own; the gaps between cells are clear
        assert px[:, 48:52, 3].max() == 0
    assert path.name == "fav.png" and export_artwork(r, req).name == "fav-2.png"  # never overwrites


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real tiny run long enough to have learned the white around the discs (~15 s on one thread)."""
    base = tmp_path_factory.mktemp("transparent-trained")
    return train(disc_folder(base / "discs", 16, 16), base / "run", 16, steps=500, lr=0.003)


def test_a_run_trained_on_transparent_pictures_exports_transparent_corners(trained: Path, tmp_path: Path):
    run = RunDir(trained)
    assert run.trained_on_transparent()  # the import report counted the see-through pictures
    r = Renderer.open(trained)
    assert RunDir.of_checkpoint(r.checkpoint).path == trained
    corners, centres = [], []
    for seed in range(4):
        req = ArtworkRequest(kind="image", folder=str(tmp_path), name=f"s{seed}", recipe=Recipe(seeds=[seed]),
                             transparent=True)
        mode, px = pixels(export_artwork(r, req))
        assert mode == "RGBA"
        a = px[..., 3].astype(int)
        corners += [a[0, 0], a[0, -1], a[-1, 0], a[-1, -1]]
        centres.append(a[6:10, 6:10].mean())
    assert max(corners) < 64, corners  # the white the discs were laid on is (nearly) gone
    assert min(centres) > 128, centres  # the discs are not


@pytest.fixture(scope="module")
def trained_on_rings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real tiny run on coloured rings with an opaque white inside, on a clear canvas (~15 s, one thread)."""
    base = tmp_path_factory.mktemp("transparent-rings")
    folder = base / "rings"
    folder.mkdir()
    for i in range(16):
        im = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        r = 6 + i % 2
        d.ellipse([8 - r, 8 - r, 8 + r - 1, 8 + r - 1], fill=COLOURS[i % 4] + (255,))
        d.ellipse([5, 5, 10, 10], fill=(255, 255, 255, 255))  # the white of the eye
        im.save(folder / f"ring-{i:02d}.png")
    return train(folder, base / "run", 16, steps=500, lr=0.003)


def test_a_run_trained_on_rings_exports_their_white_inside_opaque(trained_on_rings: Path):
    """What the generator learned, exported: the white inside is kept around the subject and fades everywhere,
    while the background around the ring goes the same way in both."""
    r = Renderer.open(trained_on_rings)
    for seed in range(4):
        around = r.render_final(Recipe(seeds=[seed], transparent=True))
        everywhere = r.render_final(Recipe(seeds=[seed], transparent=True, transparent_region=EVERYWHERE))
        assert r.render(Recipe(seeds=[seed]))[6:10, 6:10].mean() > 160  # it did learn a light inside
        assert around[6:10, 6:10, 3].mean() > 220, seed
        assert everywhere[6:10, 6:10, 3].mean() < 128, seed
        corners = np.s_[[0, 0, -1, -1], [0, -1, 0, -1]]
        assert np.array_equal(around[corners], everywhere[corners]) and around[corners][:, 3].max() < 128


def test_cli_generate_transparent_and_regenerate(trained: Path, tmp_path: Path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    studio = [sys.executable, "-m", "studio"]
    gen = subprocess.run([*studio, "generate", str(trained), "--seeds", "7", "--out", str(tmp_path / "gen"),
                          "--transparent", "--grid"], capture_output=True, text=True, env=env, timeout=300)
    assert gen.returncode == 0, gen.stderr
    seed, grid = tmp_path / "gen" / "seed0007.png", tmp_path / "gen" / "grid.png"
    assert pixels(seed)[0] == "RGBA" and pixels(grid)[0] == "RGBA"
    assert pixels(seed)[1][0, 0, 3] < 64
    again = subprocess.run([*studio, "regenerate", str(seed), "--out", str(tmp_path / "re" / "seed.png")],
                           capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "re" / "seed.png").read_bytes() == seed.read_bytes()  # the same file, bit for bit
    assert read_embedded(seed).recipe.transparent_region == "edges"  # --transparent: around the subject
    everywhere = subprocess.run([*studio, "generate", str(trained), "--seeds", "7", "--out", str(tmp_path / "all"),
                                 "--transparent-everywhere"], capture_output=True, text=True, env=env, timeout=300)
    assert everywhere.returncode == 0, everywhere.stderr
    assert read_embedded(tmp_path / "all" / "seed0007.png").recipe.transparent_region == "everywhere"
