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
"""

from __future__ import annotations

import numpy as np


def color_to_alpha(image: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, 3) laid on `background` -> uint8 (H, W, 4): the background colour taken out as alpha."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"colour-to-alpha takes an (H, W, 3) picture, not {image.shape}")
    p = image.astype(np.float64) / 255.0
    b = np.asarray(background, dtype=np.float64).reshape(1, 1, 3) / 255.0
    # Per channel, the least alpha that keeps fg = b + (p - b) / alpha inside [0, 1]: above the background
    # the limit is fg <= 1, below it fg >= 0; a channel equal to the background asks for nothing.
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(p > b, (p - b) / np.where(b < 1, 1 - b, 1), 0.0)
        down = np.where(p < b, (b - p) / np.where(b > 0, b, 1), 0.0)
    alpha = np.clip(np.maximum(up, down).max(axis=2, keepdims=True), 0.0, 1.0)
    safe = np.where(alpha > 0, alpha, 1.0)
    fg = np.where(alpha > 0, b + (p - b) / safe, 0.0)
    out = np.empty(image.shape[:2] + (4,), np.uint8)
    out[..., :3] = np.clip(np.rint(fg * 255.0), 0, 255).astype(np.uint8)
    out[..., 3] = np.rint(alpha[..., 0] * 255.0).astype(np.uint8)
    return out


def composite(rgba: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, 4) laid on `background` -> uint8 (H, W, 3) (what training does to a transparent picture)."""
    a = rgba[..., 3:4].astype(np.float64) / 255.0
    bg = np.asarray(background, dtype=np.float64).reshape(1, 1, 3)
    rgb = rgba[..., :3].astype(np.float64) * a + bg * (1 - a)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def finish(image: np.ndarray, transparent: bool, background: tuple[int, int, int]) -> np.ndarray:
    """The exported pixels: the RGB picture as trained, or with `background` taken out as alpha."""
    return color_to_alpha(image, background) if transparent else image
