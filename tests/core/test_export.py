"""Export for real: PNG + recipe round-trips bit-exact, upscales, grids, animations, no overwrite, caps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.core.errors import StudioError
from studio.core.explore.animate import keyframe_frames, seed_frames, walk_frames
from studio.core.explore.mixing import layer_range, mix_grid
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, regenerate, upscale
from studio.core.export_formats import ANIMATIONS, ExportFormat, mp4_available
from studio.core.formats.png_recipe import NoMaker, NotTheMaker, read_embedded, read_recipe_for
from tests.core.test_explore import make_run

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    base = tmp_path_factory.mktemp("export")
    return Renderer.open(make_run("style", base), cache_dir=base / "cache")


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_png_round_trip_is_bit_exact(renderer: Renderer, tmp_path: Path, scale: int):
    recipe = Recipe(seeds=[3, 8], weights=[0.25, 0.75], truncation=0.7, mix_seed=5, mix_layers=[0, 2],
                    directions=[[0, 1.5], [2, -1.0]], direction_layers=[1, 3], pca_samples=256,
                    noise_mode="random", noise_seed=42, upscale=scale)
    path = Exporter(tmp_path).save_recipe(renderer, recipe, "art.png")
    assert Image.open(path).size == (16 * scale, 16 * scale)
    emb = read_embedded(path)
    assert emb.checkpoint_sha256 == renderer.checkpoint_sha256 and emb.model == "style"
    r = emb.recipe
    assert r.seeds == [3, 8] and r.truncation == 0.7 and r.mix_layers == [0, 2] and r.directions[0] == [0, 1.5]
    assert r.w is not None and r.w_shape == [renderer.num_ws, renderer.w_dim]
    assert np.array_equal(regenerate(emb, renderer), pixels(path))
    # The embedded w alone rebuilds the image, whatever the PCA cache holds.
    assert np.array_equal(renderer.synthesize(renderer.ws(r), r), renderer.render(recipe))


def test_grid_round_trip(renderer: Renderer, tmp_path: Path):
    grid = mix_grid(renderer, [1, 2], [10, 11, 12], layer_range("middle", renderer))
    path = Exporter(tmp_path).save_png(grid.image, "mix.png", renderer.describe_grid(grid.cells, grid.cols))
    emb = read_embedded(path)
    assert emb.grid is not None and emb.grid.cols == 4 and emb.grid.cells[0] is None
    assert np.array_equal(regenerate(emb, renderer), pixels(path))


def test_a_recipe_is_regenerated_by_the_checkpoint_that_made_it(renderer: Renderer, tmp_path: Path):
    """The checksum policy, one reader for the CLI and the window: the checkpoint the PNG names (or the one
    given, or the window's open one where the named one is gone) must have the SHA-256 the PNG records."""
    import shutil

    png = Exporter(tmp_path).save_recipe(renderer, Recipe(seeds=[5]), "art.png")
    emb, checkpoint = read_recipe_for(png)
    assert checkpoint == renderer.checkpoint and emb.recipe.seeds == [5]
    run = renderer.checkpoint.parent.parent
    assert read_recipe_for(png, run)[1] == renderer.checkpoint  # a run folder: its latest checkpoint
    changed = tmp_path / "changed.safetensors"
    shutil.copyfile(renderer.checkpoint, changed)
    with open(changed, "ab") as f:  # another file: one byte more
        f.write(b" ")
    with pytest.raises(NotTheMaker, match="changed.safetensors is not the checkpoint that made art.png"):
        read_recipe_for(png, changed)
    assert read_recipe_for(png, changed, ignore_checksum=True)[1] == changed
    # The named checkpoint gone: the open one (the window's fallback) is checked like any other.
    meta = renderer.describe(Recipe(seeds=[5]))
    meta["gan-studio:checkpoint"] = str(tmp_path / "gone.safetensors")
    moved = Exporter(tmp_path).save_png(renderer.render(Recipe(seeds=[5])), "moved.png", meta)
    assert read_recipe_for(moved, fallback=renderer.checkpoint)[1] == renderer.checkpoint
    with pytest.raises(NotTheMaker):
        read_recipe_for(moved, fallback=changed)
    meta["gan-studio:checkpoint"] = ""
    anonymous = Exporter(tmp_path).save_png(renderer.render(Recipe(seeds=[5])), "anonymous.png", meta)
    with pytest.raises(NoMaker):
        read_recipe_for(anonymous)


def test_never_overwrites(renderer: Renderer, tmp_path: Path):
    ex = Exporter(tmp_path)
    a = ex.save_recipe(renderer, Recipe(seeds=[1]), "x.png")
    before = a.read_bytes()
    b = ex.save_recipe(renderer, Recipe(seeds=[2]), "x.png")
    c = ex.save_recipe(renderer, Recipe(seeds=[3]), "x.png")
    assert [a.name, b.name, c.name] == ["x.png", "x-2.png", "x-3.png"]
    assert a.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def _resample_axis(a: np.ndarray, factor: int, axis: int, kernel, support: float) -> np.ndarray:
    """An independent separable resampler (numpy, float64): output pixel centres mapped back to the input,
    kernel weights normalised over the pixels inside the image, rounded to uint8 after each pass."""
    centres = (np.arange(a.shape[axis] * factor) + 0.5) / factor
    x = np.arange(a.shape[axis])[None, :] + 0.5 - centres[:, None]
    w = kernel(x) * (np.abs(x) < support)
    w /= w.sum(1, keepdims=True)
    out = np.tensordot(w, np.moveaxis(a.astype(np.float64), axis, 0), axes=(1, 0))
    return np.clip(np.round(np.moveaxis(out, 0, axis)), 0, 255)


def _lanczos3(x):
    return np.sinc(x) * np.sinc(x / 3)


def _bicubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1, np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))


def test_upscale_is_lanczos_and_deterministic():
    img = np.random.RandomState(0).randint(0, 255, (8, 8, 3), dtype=np.uint8)
    for factor in (2, 4):
        up = upscale(img, factor)
        assert up.shape == (8 * factor, 8 * factor, 3) and np.array_equal(up, upscale(img, factor))
        lanczos = _resample_axis(_resample_axis(img, factor, 1, _lanczos3, 3), factor, 0, _lanczos3, 3)
        bicubic = _resample_axis(_resample_axis(img, factor, 1, _bicubic, 2), factor, 0, _bicubic, 2)
        assert np.abs(up.astype(int) - lanczos).max() <= 1  # Lanczos-3, to Pillow's fixed-point rounding
        assert np.abs(up.astype(int) - bicubic).max() > 10  # and not the next-closest filter
    assert upscale(img, 1) is img
    with pytest.raises(StudioError):
        upscale(img, 3)


def test_animations(renderer: Renderer, tmp_path: Path):
    ex = Exporter(tmp_path)
    done = []
    frames = list(seed_frames(renderer, [1, 5, 9], 12, loop=True, progress=lambda i, n: done.append(i)))
    assert done == list(range(1, 13)) and len(frames) == 12
    assert np.array_equal(frames[0], renderer.render(Recipe(seeds=[1])))
    gif = ex.save_animation(frames, "walk.gif", fps=12)
    webp = ex.save_animation(walk_frames(renderer, 3, 8), "walk.webp", fps=12)
    for p, n in ((gif, 12), (webp, 8)):
        with Image.open(p) as im:
            assert im.n_frames == n and im.size == (16, 16)
    keys = [renderer.seed_ws([s]) for s in (1, 2)]
    w_frames = list(keyframe_frames(renderer, keys, 5, loop=False))
    assert np.array_equal(w_frames[-1], renderer.render(Recipe(seeds=[2])))
    if mp4_available():
        assert ex.save_animation(frames, "walk.mp4").stat().st_size > 0
    else:
        with pytest.raises(StudioError, match="imageio-ffmpeg"):
            ex.save_animation(frames, "walk.mp4")
    with pytest.raises(StudioError):
        ex.save_animation(frames, "walk.avi")


def test_a_new_animation_format_is_one_registry_entry(renderer: Renderer, tmp_path: Path, monkeypatch):
    """The exporter and the request check read the registry: an entry is all a new format needs."""
    from studio.core.explore.artwork import ArtworkRequest

    def write_tiff(path: Path, frames, opts) -> None:
        pil = [Image.fromarray(f) for f in frames]
        pil[0].save(path, format="TIFF", save_all=True, append_images=pil[1:])

    with pytest.raises(StudioError, match="'.tif' is not one"):
        Exporter(tmp_path).save_animation([renderer.render(Recipe(seeds=[1]))], "walk.tif")
    monkeypatch.setitem(ANIMATIONS, ".tif", ExportFormat(".tif", "TIFF", write_tiff))
    frames = list(walk_frames(renderer, 3, 4))
    with Image.open(Exporter(tmp_path).save_animation(frames, "walk.tif")) as im:
        assert im.format == "TIFF" and im.n_frames == 4
    ArtworkRequest("walk", str(tmp_path), "w", fmt=".tif").validate()  # the request accepts it too


def _png_with(tmp_path: Path, chunks: dict[str, str]) -> Path:
    info = PngImagePlugin.PngInfo()
    for k, v in chunks.items():
        info.add_itxt(k, v)
    p = tmp_path / "crafted.png"
    Image.new("RGB", (4, 4)).save(p, pnginfo=info)
    return p


def test_malformed_or_enormous_recipes_are_refused(tmp_path: Path):
    with pytest.raises(StudioError, match="no GAN Studio recipe"):
        read_embedded(_png_with(tmp_path, {"Comment": "hello"}))
    with pytest.raises(StudioError, match="not valid JSON"):
        read_embedded(_png_with(tmp_path, {"gan-studio:recipe": "{nope"}))
    with pytest.raises(StudioError, match="characters long"):
        read_embedded(_png_with(tmp_path, {"gan-studio:recipe": json.dumps({"seeds": [1] * 600_000})}))
    with pytest.raises(StudioError, match="seeds"):
        read_embedded(_png_with(tmp_path, {"gan-studio:recipe": json.dumps({"seeds": [1] * 5000})}))
    with pytest.raises(StudioError, match="cells"):
        read_embedded(_png_with(tmp_path, {"gan-studio:grid": json.dumps({"cells": [None] * 5000, "cols": 1})}))
    with pytest.raises(StudioError, match="w vector"):
        read_embedded(_png_with(tmp_path, {"gan-studio:recipe": json.dumps({"w": "!!", "w_shape": [1, 1]})}))
    (tmp_path / "not.png").write_bytes(b"garbage")
    with pytest.raises(StudioError, match="cannot be read"):
        read_embedded(tmp_path / "not.png")


def test_artwork_requests(renderer: Renderer, tmp_path: Path):
    from studio.core.explore.artwork import ArtworkRequest, Cancelled, export_artwork

    favs = tuple(Recipe(seeds=[s]).with_w(renderer.seed_ws([s])) for s in (1, 2, 3))
    grid = export_artwork(renderer, ArtworkRequest("grid", str(tmp_path), "favs", favourites=favs, scale=2))
    assert np.array_equal(regenerate(read_embedded(grid), renderer), pixels(grid))
    ticks = []
    loop = export_artwork(renderer, ArtworkRequest("keyframes", str(tmp_path), "loop", ".webp", favourites=favs,
                                                   frames=6), progress=lambda i, n: ticks.append(i))
    assert ticks == list(range(1, 7)) and Image.open(loop).n_frames == 6
    with pytest.raises(Cancelled):
        export_artwork(renderer, ArtworkRequest("walk", str(tmp_path), "walk", ".gif", frames=50),
                       cancelled=lambda: True)
    assert not (tmp_path / "walk.gif").exists()
    with pytest.raises(StudioError, match="favourites"):
        export_artwork(renderer, ArtworkRequest("grid", str(tmp_path), "none"))
