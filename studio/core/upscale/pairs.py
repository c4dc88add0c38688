"""The learned upscale's training pictures, from the run's own folder.

High-resolution targets are the folder's pictures prepared exactly as the run prepares its training
pictures (core.data: decode, crop or pad, background), only at the run's shape × scale; the inputs are
those targets taken down to the run's shape with the same resampling (core.shape.fit_picture: Lanczos),
so a generated picture of the run looks like what the network learned from. A folder whose pictures are
smaller than the run's shape × scale cannot teach it: those pictures would be Lanczos-enlarged targets.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from studio.core.data import DataConfig, ImageFolder, ProgressFn
from studio.core.errors import StudioError
from studio.core.shape import CanvasShape, fit_picture
from studio.core.upscale.network import lanczos_bases

HELD_OUT_SHARE = 10  # one picture in ten is kept back to score the upscale on pictures it never saw
HELD_OUT_MAX = 64


class PicturesTooSmall(StudioError):
    """The folder's pictures are smaller than the run's shape × scale: they cannot teach that upscale."""


@dataclass
class PicturePairs:
    """Low-res inputs, their Lanczos ×scale and the high-res targets (uint8 N, H, W, 3 each)."""

    low: np.ndarray
    lanczos: np.ndarray
    high: np.ndarray

    def __len__(self) -> int:
        return len(self.low)

    def take(self, index: np.ndarray) -> PicturePairs:
        return PicturePairs(self.low[index], self.lanczos[index], self.high[index])


@dataclass
class FolderPairs:
    """What one folder gives the upscale of one run at one scale."""

    train: PicturePairs
    held_out: PicturePairs
    shape: CanvasShape  # the run's picture shape (the network's input)
    high_shape: CanvasShape  # × scale
    left_out: int  # pictures too small for the high-res shape

    @property
    def scale(self) -> int:
        return self.high_shape.width // self.shape.width


def high_config(config: DataConfig, scale: int) -> tuple[DataConfig, CanvasShape]:
    """The run's data settings at scale × its resolution, and that shape (exactly the run's shape × scale)."""
    shape = config.shape
    high = dataclasses.replace(config, resolution=config.resolution * scale)
    want = CanvasShape.of_model(shape.scale * scale, shape.block_w, shape.block_h)
    try:
        got = high.shape
    except StudioError:
        got = None
    if got != want:
        raise StudioError(f"A ×{scale} upscale of {shape.px} pictures would be {want.px}, larger than the studio "
                          "reads pictures at.")
    return high, want


def fit_scale(size: tuple[int, int], shape: CanvasShape, fit: str) -> float:
    """How much a width × height picture is enlarged (> 1) or reduced to become `shape` by `fit`."""
    w, h = size
    if fit == "crop":
        return max(shape.width / w, shape.height / h)
    return min(shape.width / w, shape.height / h)


def _sizes_text(sizes: list[tuple[int, int]]) -> str:
    w = int(statistics.median(s[0] for s in sizes))
    h = int(statistics.median(s[1] for s in sizes))
    return f"{w} px" if w == h else f"{w}×{h} px"


def folder_pairs(folder: str | Path, config: DataConfig, scale: int, cache_dir: str | Path | None = None,
                 progress: ProgressFn | None = None, held_out: int | None = None) -> FolderPairs:
    """Decode the folder at the run's shape × scale, keep the pictures large enough, pair them with their
    run-size copies and keep some back to score on: `held_out` of them (at most half), by default one in
    ten, at most 64."""
    shape = config.shape
    high_cfg, high_shape = high_config(config, scale)
    data = ImageFolder(folder, high_cfg, cache_dir=cache_dir, progress=progress)
    sizes = data.report.sizes
    if len(sizes) != len(data):  # a cache from before sizes were kept: every picture counts as large enough
        sizes = [(high_shape.width, high_shape.height)] * len(data)
    big = np.array([fit_scale(s, high_shape, config.fit) <= 1.0 + 1e-6 for s in sizes], bool)
    run_px = shape.px
    need = high_shape.px
    if big.sum() < 2:
        raise PicturesTooSmall(f"The folder's pictures are {_sizes_text(sizes)}: a ×{scale} upscale of a {run_px} run "
                          f"needs {need} pictures (at least two of them) to learn from.")
    high = data.images[big]
    low = np.stack([np.asarray(fit_picture(Image.fromarray(p), shape.width, shape.height, "crop",
                                           config.background)) for p in high])
    pairs = PicturePairs(low, lanczos_bases(low, scale), high)
    order = np.random.RandomState(0).permutation(len(pairs))
    n_held = min(HELD_OUT_MAX, len(pairs) // HELD_OUT_SHARE) if held_out is None else min(held_out, len(pairs) // 2)
    n_held = max(1, n_held)
    return FolderPairs(pairs.take(np.sort(order[n_held:])), pairs.take(np.sort(order[:n_held])), shape, high_shape,
                       int((~big).sum()))
