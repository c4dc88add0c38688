"""The latent atlas on a tiny trained checkpoint: similar latents side by side, a grid without overlaps,
a poster that regenerates from its embedded recipe."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.core.errors import StudioError
from studio.core.explore.atlas import (
    Cancelled,
    atlas_poster,
    build_atlas,
    check_layout,
    layout,
    pca_2d,
    poster_meta,
    snap_to_grid,
)
from studio.core.explore.latents import z_from_seed
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, regenerate
from studio.core.formats.png_recipe import read_embedded
from tests.core.test_explore import make_run


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


@pytest.fixture(scope="module")
def style(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer.open(make_run("style", tmp_path_factory.mktemp("atlas-style")), "cpu")


def chebyshev(cells: np.ndarray, i: int) -> np.ndarray:
    d = np.abs(cells - cells[i]).max(1).astype(float)
    d[i] = np.inf
    return d


def test_near_identical_latents_are_grid_neighbours(style: Renderer):
    n, twins = 120, 8
    z = torch.cat([z_from_seed(s, style.G.z_dim) for s in range(n)])
    g = torch.Generator().manual_seed(0)
    nudged = z[:twins] + 1e-3 * torch.randn(twins, z.shape[1], generator=g)
    w = style.z_to_ws(torch.cat([z, nudged]))[:, 0].double().numpy()
    pos, cells, cols, rows = layout(w)
    assert len({tuple(c) for c in cells}) == len(cells), "two images share a cell"
    assert (cells >= 0).all() and (cells[:, 0] < cols).all() and (cells[:, 1] < rows).all()
    for k in range(twins):
        d = chebyshev(cells, n + k)
        assert d[k] == 1 and d.min() == 1, (k, cells[k], cells[n + k])  # the twin is an adjacent cell
        dp = np.linalg.norm(pos - pos[n + k], axis=1)
        dp[n + k] = np.inf
        assert dp.argmin() == k  # and its nearest neighbour before snapping


def test_unrelated_latents_are_spread_out(style: Renderer):
    w = style.seed_ws(list(range(60)))[:, 0].double().numpy()
    _, cells, cols, rows = layout(w)
    assert cols * rows >= 60
    # the layout uses the grid's extent, not a clump in a corner
    assert cells[:, 0].max() - cells[:, 0].min() >= cols // 2 and cells[:, 1].max() - cells[:, 1].min() >= rows // 2


def test_snap_to_grid_gives_every_point_its_own_nearest_free_cell():
    pts = np.array([[0.1, 0.1], [0.1, 0.1], [0.9, 0.9], [0.5, 0.5]])
    cells = snap_to_grid(pts, 3, 3)
    assert len({tuple(c) for c in cells}) == 4
    assert tuple(cells[2]) == (2, 2) and tuple(cells[3]) == (1, 1)
    assert {tuple(cells[0]), tuple(cells[1])} <= {(0, 0), (1, 0), (0, 1)}
    with pytest.raises(StudioError):
        snap_to_grid(np.zeros((5, 2)), 2, 2)


def test_pca_layout_is_deterministic_and_sign_fixed():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8)) * np.arange(8, 0, -1)
    a = pca_2d(x)
    b = pca_2d(-x)  # the same cloud mirrored: the fixed signs make its layout the mirror image
    assert np.allclose(a, -b)
    assert a[:, 0].std() > a[:, 1].std()


def test_atlas_poster_regenerates_from_its_recipe(style: Renderer, tmp_path: Path):
    seeds = list(range(10, 40))
    atlas = build_atlas(style, seeds, truncation=0.8)
    assert atlas.method == "pca of w" and len(atlas.images) == 30
    idx = seeds.index(17)
    c, r = atlas.cells[idx]
    assert atlas.item_at(int(c), int(r)) == idx
    assert np.array_equal(atlas.images[idx], style.render(Recipe(seeds=[17], truncation=0.8)))
    poster = atlas_poster(atlas)
    res = style.resolution
    assert poster.shape == (atlas.rows * (res + 2) - 2, atlas.cols * (res + 2) - 2, 3)
    path = Exporter(tmp_path).save_png(poster, "atlas.png", poster_meta(style, atlas))
    emb = read_embedded(path)
    assert emb.grid.kind == "atlas" and sum(c is not None for c in emb.grid.cells) == 30
    assert np.array_equal(regenerate(emb, style), poster)
    small = atlas_poster(atlas, thumb=8)
    assert small.shape == (atlas.rows * 10 - 2, atlas.cols * 10 - 2, 3)


def test_atlas_cancel_and_bad_requests(style: Renderer):
    done = []
    with pytest.raises(Cancelled):
        build_atlas(style, list(range(50)), progress=lambda i, n: done.append(i), cancelled=lambda: len(done) >= 4)
    assert len(done) == 4
    with pytest.raises(StudioError, match="from 2 to"):
        build_atlas(style, [1])
    with pytest.raises(StudioError, match="distinct"):
        build_atlas(style, [1, 1, 2])


def test_missing_optional_layout_is_a_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn (a dev dependency) were absent
    with pytest.raises(StudioError, match=r"pip install scikit-learn\); the PCA layout works without it"):
        check_layout("tsne")


def test_tsne_layout_of_features_when_scikit_learn_is_installed(style: Renderer):
    pytest.importorskip("sklearn")
    from studio.core.explore.features import FeatureSpace, load_discriminator

    atlas = build_atlas(style, list(range(24)), method="tsne",
                        features=FeatureSpace(load_discriminator(style.checkpoint), "auto"))
    assert atlas.method == "tsne of discriminator features"
    assert len({tuple(c) for c in atlas.cells}) == 24
