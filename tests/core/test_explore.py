"""Exploring tiny trained checkpoints for real: latents, truncation, directions, mixing, noise, nearest, projection."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.core.errors import StudioError
from studio.core.explore.directions import load_or_compute, move
from studio.core.explore.features import FeatureSpace, load_discriminator
from studio.core.explore.latents import (
    blend,
    inverse_distance_weights,
    lerp,
    path_positions,
    random_walk,
    slerp,
    truncate,
    z_from_seed,
)
from studio.core.explore.mixing import layer_range, mix_grid
from studio.core.explore.nearest import NearestImages, training_images
from studio.core.explore.projection import initial_loss, project
from studio.core.explore.render import Recipe, Renderer


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


def make_run(model: str, base: Path) -> Path:
    """A 2-step tiny run (16 px) of `model`; returns the run folder."""
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    data = write_demo_data(base / "images", count=24, size=16)
    cfg = TrainConfig(data=str(data), model=model, resolution=16, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=2)
    Trainer(cfg, base / "run").train()
    return base / "run"


@pytest.fixture(scope="module")
def style_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run("style", tmp_path_factory.mktemp("style"))


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run("dcgan", tmp_path_factory.mktemp("dcgan"))


@pytest.fixture
def style(style_run: Path, tmp_path: Path) -> Renderer:
    return Renderer.open(style_run, "cpu", cache_dir=tmp_path / "cache")


def test_lerp_slerp_endpoints_and_norm():
    a, b = z_from_seed(1, 64), z_from_seed(2, 64)
    for f in (lerp, slerp):
        assert torch.equal(f(a, b, 0.0), a) and torch.equal(f(a, b, 1.0), b)
    mid = slerp(a, b, 0.5)
    # slerp keeps the norm between the endpoints' (lerp shrinks it towards the origin)
    assert float(mid.norm()) > float(lerp(a, b, 0.5).norm())
    assert min(a.norm(), b.norm()) - 1e-4 <= mid.norm() <= max(a.norm(), b.norm()) + 1e-4
    assert torch.allclose(slerp(a, a, 0.3), a, atol=1e-5)  # parallel vectors do not divide by zero


def test_blend_and_inverse_distance_weights():
    ws = torch.stack([torch.zeros(3), torch.ones(3)])
    assert torch.allclose(blend(ws, [1, 3]), torch.full((1, 3), 0.75))
    with pytest.raises(StudioError):
        blend(ws, [0, 0])
    assert inverse_distance_weights((0, 0), [(0, 0), (1, 1)]) == [1.0, 0.0]
    w = inverse_distance_weights((0.1, 0), [(0, 0), (1, 0)])
    assert w[0] > w[1] and abs(sum(w) - 1) < 1e-9


def test_walk_loops_smoothly_and_paths_hit_keys():
    z = random_walk(7, 16, 48)
    assert z.shape == (48, 16)
    step = (z[1:] - z[:-1]).norm(dim=1)
    # closing step (last -> first) is like any other step: the loop is seamless
    assert float((z[0] - z[-1]).norm()) < 2 * float(step.max())
    assert abs(float(z.std()) - 1) < 0.3
    pos = path_positions(3, 9, loop=False)
    assert pos[0] == (0, 1, 0.0) and pos[-1][1] == 2 and pos[-1][2] == 1.0


def test_truncation_zero_gives_mean_w_image(style: Renderer):
    ws = style.seed_ws([3], truncation=0.0)
    mean = style.w_avg[None, None].repeat(1, style.num_ws, 1)
    assert torch.equal(ws, mean)
    assert np.array_equal(style.render(Recipe(seeds=[3], truncation=0.0)), style.render(Recipe(seeds=[99], truncation=0.0)))
    assert np.array_equal(style.render(Recipe(seeds=[3], truncation=0.0)), style.synthesize(mean))
    assert torch.equal(truncate(ws, style.w_avg, 1.0), ws)


def test_seed_reproduces_bit_for_bit(style: Renderer):
    r = Recipe(seeds=[5, 6], weights=[0.3, 0.7], truncation=0.8)
    assert np.array_equal(style.render(r), style.render(r))
    assert not np.array_equal(style.render(Recipe(seeds=[5])), style.render(Recipe(seeds=[6])))


def test_mixing_empty_range_is_destination_full_is_source(style: Renderer):
    empty = Recipe(seeds=[1], mix_seed=2, mix_layers=[0, 0])
    full = Recipe(seeds=[1], mix_seed=2, mix_layers=[0, style.num_ws])
    assert np.array_equal(style.render(empty), style.render(Recipe(seeds=[1])))
    assert np.array_equal(style.render(full), style.render(Recipe(seeds=[2])))
    coarse = layer_range("coarse", style)
    assert len(coarse) > 0 and layer_range("", style) == range(0, 0)
    assert layer_range("1-2", style) == range(1, 3)
    with pytest.raises(StudioError, match="do not exist"):
        layer_range("0-99", style)
    grid = mix_grid(style, [1, 2, 3], [10, 11], coarse)
    res = style.resolution
    assert grid.image.shape == (4 * res + 3 * 2, 3 * res + 2 * 2, 3)
    assert len(grid.cells) == 12 and grid.cells[0] is None
    cell = style.render(Recipe(seeds=[2], mix_seed=11, mix_layers=[coarse.start, coarse.stop]))
    assert np.array_equal(grid.cell_images[1][1], cell)


def test_mixing_on_dcgan_is_a_clear_error(dcgan_run: Path):
    r = Renderer.open(dcgan_run)
    with pytest.raises(StudioError, match="needs the style-based model"):
        layer_range("coarse", r)
    with pytest.raises(StudioError, match="needs the style-based model"):
        r.render(Recipe(seeds=[1], mix_seed=2, mix_layers=[0, 1]))
    assert r.render(Recipe(seeds=[1], truncation=0.5)).shape == (16, 16, 3)


def test_directions_cached_and_amount_zero_is_identity(style: Renderer, tmp_path: Path):
    d = load_or_compute(style, samples=256, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache" / f"{style.checkpoint_sha256}-256.npz").exists()
    again = load_or_compute(style, samples=256, cache_dir=tmp_path / "cache")
    assert torch.equal(d.components, again.components)
    assert torch.allclose(d.components @ d.components.T, torch.eye(len(d)), atol=1e-4)
    assert bool((d.stdevs[:-1] >= d.stdevs[1:]).all())
    ws = style.seed_ws([4])
    assert torch.equal(move(ws, d, [(0, 0.0)]), ws)
    moved = move(ws, d, [(0, 2.0)], range(0, 2))
    assert torch.equal(moved[:, 2:], ws[:, 2:]) and not torch.equal(moved[:, :2], ws[:, :2])
    base = Recipe(seeds=[4], pca_samples=256)
    assert np.array_equal(style.render(dataclasses.replace(base, directions=[[0, 0.0]])), style.render(base))
    assert not np.array_equal(style.render(dataclasses.replace(base, directions=[[0, 3.0]])), style.render(base))


def test_noise_switches_and_seed(style: Renderer):
    n = len(style.noise_layers)
    assert n > 0
    for m in style.noise_layers:  # a 2-step model has learned almost no noise: give it some to see
        m.noise_strength.data.fill_(0.5)
    a = Recipe(seeds=[1], noise_mode="random", noise_seed=1)
    assert np.array_equal(style.render(a), style.render(a))
    assert not np.array_equal(style.render(a), style.render(dataclasses.replace(a, noise_seed=2)))
    off = dataclasses.replace(a, noise_layers=[False] * n)
    assert np.array_equal(style.render(off), style.render(dataclasses.replace(a, noise_mode="none")))
    assert float(style.noise_layers[0].noise_strength) == 0.5  # restored after the render


def test_nearest_training_images(style_run: Path, style: Renderer):
    images = training_images(style.checkpoint)
    assert images.shape == (24, 16, 16, 3)
    idx = NearestImages.for_checkpoint(style.checkpoint, images=images)
    assert idx.kind == "discriminator"
    matches = idx.nearest(images[5], k=3)
    assert matches[0].index == 5 and matches[0].distance < 1e-4
    assert matches[0].distance <= matches[1].distance <= matches[2].distance
    cached = NearestImages.for_checkpoint(style.checkpoint, images=images, cache_dir=style_run / "nn")
    again = NearestImages.for_checkpoint(style.checkpoint, images=images, cache_dir=style_run / "nn")
    assert len(list((style_run / "nn").glob("*.npy"))) == 1 and torch.equal(cached.index, again.index)
    assert torch.allclose(cached.index, idx.index)
    px = NearestImages.for_checkpoint(style.checkpoint, kind="pixels", images=images)
    assert px.kind == "pixels" and px.nearest(images[7], k=1)[0].index == 7


def test_projection_lowers_its_loss(style: Renderer):
    target = style.render(Recipe(seeds=[12]))
    feats = FeatureSpace(load_discriminator(style.checkpoint), "auto")
    seen = []
    before = initial_loss(style, target, feats)
    p = project(style, target, steps=40, lr=0.1, features=feats, progress=lambda s, n, loss: seen.append(s))
    assert seen == list(range(1, 41)) and p.steps == 40 and not p.cancelled
    assert p.losses[-1] < before * 0.8
    img = style.render(p.recipe())
    assert np.array_equal(img, p.image)
    stopped = project(style, target, steps=40, cancel=lambda: len(seen) >= 45,
                      progress=lambda s, n, loss: seen.append(s))
    assert stopped.cancelled and stopped.steps == 5


def test_malformed_recipes_are_refused():
    for bad in ({"seeds": "1"}, {"seeds": [-1]}, {"seeds": list(range(5000))}, {"truncation": float("nan")},
                {"noise_mode": "loud"}, {"weights": [1.0, 2.0]}, {"mix_seed": 1}, {"directions": [[0]]},
                {"w": "AAAA", "w_shape": [100000, 100000]}, {"upscale": 3}, {"pca_samples": 10**9}):
        with pytest.raises(StudioError):
            Recipe.from_json(bad)
    assert Recipe.from_json({"seeds": [1], "unknown": 3}).seeds == [1]


def test_canvas_model_blend_undo_and_favourites(style: Renderer, tmp_path: Path):
    from studio.core.explore.canvas import CanvasModel, Favourites

    m = CanvasModel()
    on_pin = m.move_cursor(m.state.pins[1].x, m.state.pins[1].y).recipe()
    assert on_pin.weights == [0.0, 1.0, 0.0]
    assert np.array_equal(style.render(on_pin), style.render(Recipe(seeds=[m.state.pins[1].seed])))
    m.begin()  # a drag: many moves, one undo step
    for i in range(5):
        m.move_cursor(0.1 * i, 0.2, record=False)
    m.add_pin(9, 0.9, 0.9)
    assert m.undo() and len(m.state.pins) == 3 and m.state.cursor == (0.4, 0.2)
    assert m.undo() and m.state.cursor == (m.state.pins[1].x, m.state.pins[1].y)
    assert m.redo() and m.state.cursor == (0.4, 0.2)
    final = style.ws(m.state.recipe())
    m.set_latent(Recipe(seeds=[]).with_w(final))
    assert torch.equal(style.ws(m.state.recipe()), final)
    favs = Favourites.load(tmp_path)
    favs.add("one", Recipe(seeds=[3]).with_w(style.seed_ws([3])))
    again = Favourites.load(tmp_path)
    assert again.items[0].name == "one"
    assert np.array_equal(style.render(again.items[0].recipe), style.render(Recipe(seeds=[3])))
    with pytest.raises(StudioError):
        favs.add("no w", Recipe(seeds=[4]))


def test_directions_move_a_latent_from_elsewhere(style: Renderer):
    """A mixer cell or a favourite on the canvas: the directions start from its latent (and say so in the
    recipe); the picture kept has one latent, the moved one."""
    from studio.core.explore.canvas import CanvasModel
    from studio.core.explore.directions import move

    cell = style.ws(Recipe(seeds=[2], mix_seed=11, mix_layers=[0, 2]))
    m = CanvasModel()
    m.update(directions=((0, 1.0),))
    m.set_latent(Recipe(seeds=[]).with_w(cell))
    assert m.state.directions == () and torch.equal(style.ws(m.state.recipe()), cell)
    m.update(directions=((0, 2.0),), direction_layers=(1, 3))
    recipe = m.state.recipe()
    assert recipe.start_w is not None and recipe.w is None
    expect = move(cell, style.directions(), [(0, 2.0)], range(1, 3))
    assert torch.equal(style.ws(recipe), expect) and not torch.equal(expect, cell)
    kept = recipe.with_w(style.ws(recipe))
    assert kept.start_w is None and "start_w" not in kept.to_json()
    again = Recipe.from_json(recipe.to_json())
    assert torch.equal(style.ws(again), expect)
    with pytest.raises(StudioError):
        Recipe.from_json({**recipe.to_json(), "start_w": "not base64!"})
