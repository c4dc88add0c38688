"""Transparent export: taking the run's background colour back out of a generated picture.

Training lays every transparent picture on the run's background colour (core/data/decode.py) and the
generator makes RGB, so a "transparent" export un-composites that colour, the colour-to-alpha operation
(GIMP's "Color to Alpha" idea): each pixel p becomes the most transparent (alpha, fg) with
p = alpha * fg + (1 - alpha) * bg and fg inside [0, 1]. A pixel of exactly the background colour becomes
fully transparent, one as far from it as a colour can be stays opaque, and laying the result on the
background again gives back the picture (within rounding). Deterministic NumPy float64: the same RGB in
gives the same RGBA out, so `studio regenerate` rebuilds an exported PNG bit for bit.

Upscaling comes first (core.images.upscale on the composited RGB, then this): the alpha is computed at
the final size from the very picture an "as trained" export shows. Upscaling straight RGBA instead bleeds
the arbitrary colour of clear pixels into the edges (halos), and upscaling premultiplied 8-bit RGBA loses
colour precision where alpha is small and clips Lanczos ringing into stray alpha; composite-then-upscale is
the same linear filter on the same picture, with every output a valid (alpha, fg) pair.

Colour-to-alpha alone also clears light colours inside the subject (the white eye of an emoji trained on
white fades with the background), so the default region is EDGES: only the background connected to the
picture's border is taken out, found at native size by a flood and enlarged as a weight (`cut_out`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from studio.core.images import upscale

# How a picture is enlarged: (uint8 H, W, 3; factor) -> uint8 (H·factor, W·factor, 3). Lanczos by default; an
# export with a run's learned upscale (core/upscale) passes that one.
Enlarge = Callable[[np.ndarray, int], np.ndarray]


def color_to_alpha(image: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, 3) laid on `background` -> uint8 (H, W, 4): the background colour taken out as alpha
    wherever it shows (EVERYWHERE)."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"colour-to-alpha takes an (H, W, 3) picture, not {image.shape}")
    p = image.astype(np.float64) / 255.0
    b = np.asarray(background, dtype=np.float64).reshape(1, 1, 3) / 255.0
    # Per channel, the least alpha that keeps fg = b + (p - b) / alpha inside [0, 1]: above the background
    # the limit is fg <= 1, below it fg >= 0; a channel equal to the background asks for nothing.
    return _rgba(p, b, _alpha(p, b))


def composite(rgba: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, 4) laid on `background` -> uint8 (H, W, 3) (what training does to a transparent picture)."""
    a = rgba[..., 3:4].astype(np.float64) / 255.0
    bg = np.asarray(background, dtype=np.float64).reshape(1, 1, 3)
    rgb = rgba[..., :3].astype(np.float64) * a + bg * (1 - a)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


# Which background goes. EDGES (the default since the recipe field `transparent_region` exists): only the
# background around the subject, the part connected to the picture's edges; light colours enclosed by the
# subject (the white of an eye) stay opaque. EVERYWHERE: every pixel, wherever the background colour shows
# (the first transparent export; recipes that say `"transparent": true` without a region mean this one, so
# they regenerate what they made).
EDGES = "edges"
EVERYWHERE = "everywhere"
REGIONS = (EDGES, EVERYWHERE)
# A pixel is background-like when its colour-to-alpha alpha is below this: more background colour than
# anything else. The background region is what such pixels reach from the picture's border, moving up, down,
# left or right (4-connectivity: a one-pixel diagonal line of the subject closes it; 8 would leak through).
BACKGROUND_LIKE = 0.5
# The subject's anti-aliased rim: from the region, up to this many pixels more that sit on a rising slope
# (alpha above the region neighbour's, below another neighbour's), so the rim stays soft instead of a band of
# background-mixed pixels. A flat subject colour is no slope: a light subject (a yellow face, alpha 0.7 on
# white) keeps its edge pixels opaque, and an outline's far side (alpha falling again) stays opaque too.
RIM = 2
# Changing either number changes what an "edges" recipe regenerates: a new region name instead.


def _alpha(p: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] -> (H, W, 1): the least alpha that keeps the foreground colour inside [0, 1]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(p > b, (p - b) / np.where(b < 1, 1 - b, 1), 0.0)
        down = np.where(p < b, (b - p) / np.where(b > 0, b, 1), 0.0)
    return np.clip(np.maximum(up, down).max(axis=2, keepdims=True), 0.0, 1.0)


def _rgba(p: np.ndarray, b: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The (alpha, fg) pair of each pixel p = alpha * fg + (1 - alpha) * b, as uint8 RGBA."""
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(alpha > 0, alpha, 1.0)
        fg = np.where(alpha > 0, b + (p - b) / safe, 0.0)
    out = np.empty(p.shape[:2] + (4,), np.uint8)
    out[..., :3] = np.clip(np.rint(fg * 255.0), 0, 255).astype(np.uint8)
    out[..., 3] = np.rint(alpha[..., 0] * 255.0).astype(np.uint8)
    return out


def _spread_along_rows(passable: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """Every run of passable pixels in a row that holds a reached pixel becomes reached (one vectorised pass)."""
    h, w = passable.shape
    p = np.zeros((h, w + 1), bool)
    p[:, :w] = passable
    flat = p.ravel()
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    run = np.cumsum(starts) * flat  # 0: not passable; k: the k-th run
    hit = np.zeros(int(run.max()) + 1, bool)
    r = np.zeros((h, w + 1), bool)
    r[:, :w] = reached
    hit[run[r.ravel()]] = True
    hit[0] = False
    return hit[run].reshape(h, w + 1)[:, :w]


def flood(passable: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The passable pixels 4-connected to a seed through passable pixels. Scanline style: whole runs along
    rows, then along columns, until nothing changes; a pass costs O(pixels) and most shapes need a few."""
    reached = seeds & passable
    count = -1
    while int(reached.sum()) != count:
        count = int(reached.sum())
        reached = _spread_along_rows(passable, reached)
        reached = _spread_along_rows(passable.T, reached.T).T
    return reached


def background_region(image: np.ndarray, background: tuple[int, int, int],
                      seams: np.ndarray | None = None) -> np.ndarray:
    """uint8 (H, W, 3) -> bool (H, W): the background around the subject, which an EDGES export takes out:
    background-like pixels reached from the border (and from `seams`, a grid's gaps), plus the rim."""
    p = image.astype(np.float64) / 255.0
    b = np.asarray(background, dtype=np.float64).reshape(1, 1, 3) / 255.0
    a = _alpha(p, b)[..., 0]
    seeds = np.zeros(a.shape, bool)
    seeds[0, :] = seeds[-1, :] = seeds[:, 0] = seeds[:, -1] = True
    passable = a < BACKGROUND_LIKE
    if seams is not None:
        passable &= ~seams
        seeds |= _grow(seams) & ~seams
    region = flood(passable, seeds)
    pad = np.pad(a, 1, constant_values=0.0)
    above = np.maximum.reduce([pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]])
    level = np.where(region, a, 2.0)  # the alpha each region pixel had; 2: not in the region
    for _ in range(RIM):
        pad = np.pad(level, 1, constant_values=2.0)
        below = np.minimum.reduce([pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]])
        rim = ~region & (below < a) & (a < above)
        if seams is not None:
            rim &= ~seams
        if not rim.any():
            break
        region = region | rim
        level = np.where(rim, a, level)
    return region


def _grow(mask: np.ndarray) -> np.ndarray:
    """`mask` and its 4-neighbours."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def cut_out(image: np.ndarray, background: tuple[int, int, int], scale: int = 1,
            seams: np.ndarray | None = None, enlarge: Enlarge = upscale) -> np.ndarray:
    """uint8 (H, W, 3) at native size -> uint8 (H * scale, W * scale, 4): upscaled, with `background` taken
    out as alpha around the subject only (EDGES); `seams` (a grid's gaps, at native size) become clear.

    The region is found at native size (cheap, and where the generator's pixels are) and enlarged bilinearly
    into a weight w; the alpha of the upscaled picture is then w * (colour-to-alpha) + (1 - w): colour-to-alpha
    around the subject, opaque inside it, and any alpha at least colour-to-alpha's keeps fg inside [0, 1], so
    laid on the background the export is still the picture."""
    region = background_region(image, background, seams)
    big = enlarge(image, scale)
    p = big.astype(np.float64) / 255.0
    b = np.asarray(background, dtype=np.float64).reshape(1, 1, 3) / 255.0
    if scale == 1:
        w = region.astype(np.float64)
    else:
        h0, w0 = region.shape
        mask = Image.fromarray(region.astype(np.uint8) * 255).resize((w0 * scale, h0 * scale), Image.BILINEAR)
        w = np.asarray(mask, dtype=np.float64) / 255.0
    alpha = w[..., None] * _alpha(p, b) + (1.0 - w[..., None])
    out = _rgba(p, b, alpha)
    if seams is not None:
        out[np.repeat(np.repeat(seams, scale, 0), scale, 1)] = 0
    return out


def finish(image: np.ndarray, scale: int, transparent: bool, background: tuple[int, int, int],
           region: str = EDGES, enlarge: Enlarge = upscale) -> np.ndarray:
    """The exported pixels of a native-size RGB picture: upscaled by `scale` (with `enlarge`: Lanczos or a
    learned upscale), then as trained, or with `background` taken out as alpha (around the subject: EDGES;
    wherever it shows: EVERYWHERE)."""
    if not transparent:
        return enlarge(image, scale)
    if region == EVERYWHERE:
        return color_to_alpha(enlarge(image, scale), background)
    if region != EDGES:
        raise ValueError(f"unknown transparent region {region!r}")
    return cut_out(image, background, scale, enlarge=enlarge)


def grid_seams(image: np.ndarray) -> np.ndarray | None:
    """The gaps of a live sample grid (core.images.grid_image: a black frame and black gaps between the cells),
    as bool (H, W); None when the picture has no such frame (a single picture)."""
    black = (image == 0).all(axis=2)
    rows, cols = black.all(axis=1), black.all(axis=0)
    if not (rows[:2].all() and rows[-2:].all() and cols[:2].all() and cols[-2:].all()):
        return None
    return rows[:, None] | cols[None, :]


def live_grid(image: np.ndarray, background: tuple[int, int, int], region: str = EDGES) -> np.ndarray:
    """A live sample grid (core.images.grid_image, native size) as a transparent PNG's pixels: its black frame
    and gaps clear, and the background taken out around each cell's subject, or everywhere it shows."""
    seams = grid_seams(image)
    if region == EDGES:
        return cut_out(image, background, 1, seams)
    out = color_to_alpha(image, background)
    if seams is not None:
        out[seams] = 0
    return out
