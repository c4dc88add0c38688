"""The latent atlas: many seeds' images laid out in 2-D by similarity, snapped to a grid (no overlaps).

Layouts: PCA of w (always available; for DCGAN, where w = z carries no learned structure, PCA of the
images' features instead), or t-SNE / UMAP of the images' features when scikit-learn / umap-learn happen
to be installed (optional imports, never required). The grid is filled greedily, tightest points first,
each taking the free cell nearest its own position, so near-identical latents end up side by side.
Each image is rendered alone, exactly as `Renderer.render` does, so the poster's embedded grid recipe
regenerates it bit for bit.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from studio.core.errors import StudioError
from studio.core.explore.render import Renderer
from studio.core.formats.png_recipe import MAX_GRID_CELLS
from studio.core.formats.recipe import MAX_SEED, Recipe
from studio.core.images import tile

LAYOUTS = ("pca", "tsne", "umap")
MAX_ATLAS = 3000  # with the grid's slack this stays under the embedded grid's cell cap
SLACK = 1.2  # grid cells per image: room for dense regions without scattering them
GAP = 2
_OPTIONAL = {"tsne": ("sklearn", "scikit-learn"), "umap": ("umap", "umap-learn")}

ProgressFn = Callable[[int, int], None]


def available_layouts() -> tuple[str, ...]:
    """The layouts this installation can compute (PCA always; t-SNE/UMAP when their package is present)."""
    return tuple(k for k in LAYOUTS if k not in _OPTIONAL or importlib.util.find_spec(_OPTIONAL[k][0]) is not None)


class Cancelled(Exception):
    """The user cancelled building the atlas."""


@dataclass
class Atlas:
    seeds: list[int]
    truncation: float
    method: str  # how positions were found, e.g. "pca of w"
    positions: np.ndarray  # float (N, 2) in [0, 1]: the similarity layout before snapping
    cells: np.ndarray  # int (N, 2): (column, row) of each image on the grid, all distinct
    cols: int
    rows: int
    images: np.ndarray  # uint8 (N, H, W, 3)

    def grid_items(self) -> list[int | None]:
        """Row-major: the image index in each grid cell, None for an empty cell."""
        out: list[int | None] = [None] * (self.cols * self.rows)
        for i, (c, r) in enumerate(self.cells):
            out[int(r) * self.cols + int(c)] = i
        return out

    def recipe(self, index: int) -> Recipe:
        return Recipe(seeds=[self.seeds[index]], truncation=self.truncation)

    def item_at(self, col: int, row: int) -> int | None:
        if not (0 <= col < self.cols and 0 <= row < self.rows):
            return None
        return self.grid_items()[row * self.cols + col]


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The first two principal coordinates (float64 SVD, signs fixed so a layout never flips at random)."""
    x = np.asarray(vectors, np.float64)
    x = x - x.mean(0, keepdims=True)
    if x.shape[0] < 2 or not np.any(x):
        return np.zeros((x.shape[0], 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    comps = vt[:2]
    if comps.shape[0] < 2:
        comps = np.vstack([comps, np.zeros_like(comps)])
    signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(1)])
    signs[signs == 0] = 1
    return x @ (comps * signs[:, None]).T


def check_layout(method: str) -> None:
    """A StudioError for an unknown layout or one whose optional package is not installed."""
    if method not in LAYOUTS:
        raise StudioError(f"Unknown atlas layout '{method}': choose one of {', '.join(LAYOUTS)}.")
    if method not in available_layouts():
        package = _OPTIONAL[method][1]
        raise StudioError(f"The {method} layout needs the optional package {package} (pip install {package}); "
                          "the PCA layout works without it.")


def embed_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(N, D) -> (N, 2) by PCA, t-SNE or UMAP (the latter two need their optional package)."""
    check_layout(method)
    n = len(vectors)
    if method == "pca" or n < 5:
        return pca_2d(vectors)
    x = np.asarray(vectors, np.float32)
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(2, perplexity=float(min(30, max(2, (n - 1) // 3))), init="pca", random_state=seed).fit_transform(x)
    import umap

    return umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), random_state=seed).fit_transform(x)


def grid_shape(n: int, aspect: float = 1.0) -> tuple[int, int]:
    """Columns and rows for n images with some slack, roughly matching the layout's aspect ratio."""
    aspect = min(2.0, max(0.5, aspect))
    cells = max(1, math.ceil(n * SLACK))
    cols = max(1, round(math.sqrt(cells * aspect)))
    return cols, max(1, math.ceil(cells / cols))


def normalise(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Points -> (0, 1)^2, and the layout's width/height ratio.

    Each axis is standardised and passed through the Gaussian CDF: a min-max scale lets a few outliers
    squeeze the crowd into a disc in the middle of the grid; this fills the square and keeps order.
    """
    p = np.asarray(points, np.float64)
    p = p - p.mean(0, keepdims=True)
    std = p.std(0)
    std = np.where(std > 0, std, 1.0)
    aspect = float(std[0] / std[1])
    u = 0.5 * (1 + np.vectorize(math.erf)(p / std / math.sqrt(2))) if len(p) else p
    return np.asarray(u, np.float64).reshape(-1, 2), aspect


def snap_to_grid(points: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Unit-square points -> distinct grid cells (column, row), each near its point.

    Greedy, tightest points first (smallest distance to their nearest neighbour): a pair of near-identical
    latents is placed before the crowd around it, the second taking the free cell nearest the first.
    """
    p = np.asarray(points, np.float64)
    n = len(p)
    if n > cols * rows:
        raise StudioError(f"{n} images do not fit a {cols}×{rows} grid.")
    if n == 0:
        return np.zeros((0, 2), np.int64)
    target = p * np.array([cols, rows])  # continuous grid coordinates; cell (c, r) has its centre at c+.5, r+.5
    nn = np.empty(n)
    for a in range(0, n, 512):  # nearest-neighbour distance, in chunks to bound memory
        d = ((target[a:a + 512, None] - target[None]) ** 2).sum(-1)
        d[np.arange(d.shape[0]), np.arange(a, a + d.shape[0])] = np.inf
        nn[a:a + 512] = d.min(1) if n > 1 else 0
    order = np.lexsort((np.arange(n), nn))
    cc, rr = np.meshgrid(np.arange(cols), np.arange(rows))
    centres = np.stack([cc.ravel() + 0.5, rr.ravel() + 0.5], 1)
    free = np.ones(len(centres), bool)
    cells = np.zeros((n, 2), np.int64)
    for i in order:
        d = ((centres - target[i]) ** 2).sum(1)
        d[~free] = np.inf
        k = int(d.argmin())
        free[k] = False
        cells[i] = (k % cols, k // cols)
    return cells


def layout(vectors: np.ndarray, method: str = "pca") -> tuple[np.ndarray, np.ndarray, int, int]:
    """Vectors -> (unit positions, grid cells, columns, rows)."""
    pos, aspect = normalise(embed_2d(vectors, method))
    cols, rows = grid_shape(len(pos), aspect)
    return pos, snap_to_grid(pos, cols, rows), cols, rows


def build_atlas(renderer: Renderer, seeds: list[int], truncation: float = 1.0, method: str = "pca",
                features=None, progress: ProgressFn | None = None,
                cancelled: Callable[[], bool] | None = None) -> Atlas:
    """Render every seed, lay the images out by similarity, snap them to a grid.

    `features` (a FeatureSpace) is used for t-SNE/UMAP and for DCGAN's PCA; pixels when None.
    Raises Cancelled when `cancelled()` turns true (checked between images).
    """
    if not 2 <= len(seeds) <= MAX_ATLAS:
        raise StudioError(f"An atlas shows from 2 to {MAX_ATLAS} images.")
    if not all(isinstance(s, int) and 0 <= s <= MAX_SEED for s in seeds) or len(set(seeds)) != len(seeds):
        raise StudioError("Atlas seeds must be distinct whole numbers from 0 to 4294967295.")
    check_layout(method)  # an absent optional package is reported before minutes of rendering
    images, ws = [], []
    for i, s in enumerate(seeds):
        if cancelled is not None and cancelled():
            raise Cancelled()
        recipe = Recipe(seeds=[s], truncation=truncation)
        w = renderer.ws(recipe)
        images.append(renderer.synthesize(w, recipe))
        ws.append(w[0, 0].to("cpu").double().numpy())
        if progress is not None:
            progress(i + 1, len(seeds))
    images_arr = np.stack(images)
    if method == "pca" and renderer.is_style:
        vectors, how = np.stack(ws), "pca of w"
    else:
        from studio.core.explore.features import FeatureSpace

        feats = features or FeatureSpace(None, "pixels", renderer.device)
        vectors, how = feats(images_arr).cpu().double().numpy(), f"{method} of {feats.kind} features"
    if cancelled is not None and cancelled():
        raise Cancelled()
    pos, cells, cols, rows = layout(vectors, method)
    if cols * rows > MAX_GRID_CELLS:
        raise StudioError(f"The atlas grid would have more than {MAX_GRID_CELLS} cells; use fewer images.")
    return Atlas(list(seeds), float(truncation), how, pos, cells, cols, rows, images_arr)


def atlas_poster(atlas: Atlas, thumb: int | None = None, gap: int = GAP) -> np.ndarray:
    """The atlas as one picture: thumbnails on the grid, white between them and in empty cells.

    At native size (`thumb` None) it is exactly what `regenerate` rebuilds from the embedded grid recipe.
    """
    h, w = atlas.images.shape[1:3]
    if thumb:  # the long side; a non-square picture keeps its shape
        th, tw = max(1, round(h * thumb / max(h, w))), max(1, round(w * thumb / max(h, w)))
    else:
        th, tw = h, w
    blank = np.full((th, tw, 3), 255, np.uint8)
    cells = []
    for idx in atlas.grid_items():
        if idx is None:
            cells.append(blank)
        elif (th, tw) == (h, w):
            cells.append(atlas.images[idx])
        else:
            cells.append(np.asarray(Image.fromarray(atlas.images[idx]).resize((tw, th), Image.LANCZOS)))
    return tile(cells, atlas.cols, gap)


def poster_meta(renderer: Renderer, atlas: Atlas, gap: int = GAP) -> dict[str, str]:
    """Text chunks for the poster: the grid of seed recipes (None for empty cells), kind 'atlas'."""
    cells = [None if i is None else atlas.recipe(i) for i in atlas.grid_items()]
    return renderer.describe_grid(cells, atlas.cols, gap=gap, kind="atlas")
