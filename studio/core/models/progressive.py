"""Progressive growing (Karras et al. 2018, ProGAN) as a property of a network: the resolution it
works at now (its stage) and the weight α with which the newest block is faded in.

Both models build every layer up front; a stage only decides which of them run. Fading a block in:
the output (G) or the input features (D) are `lerp(old, new, α)`, where `old` is the previous stage's
path through `fade_up` (G) or a 2x average pool (D). At α = 0 the network is exactly the previous
stage (upsampled); at α = 1 exactly the new one.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOWEST_STAGE = 8  # a DCGAN head needs 4x4 features below it; a style D needs one block above 4x4


def fade_up(img: torch.Tensor) -> torch.Tensor:
    """The upsampling of the fade-in (bilinear ×2, the same as the style generator's skip path), used
    for the old branch of a generator and for the low-resolution half of a fading real image."""
    return F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False)


def downsample_to(images: torch.Tensor, resolution: int, full: int | None = None) -> torch.Tensor:
    """Area (average-pool) downsampling of NCHW images at scale `full` (default: square images, their
    width) to the scale `resolution`, an exact power-of-two factor."""
    factor = (full or images.shape[-1]) // resolution
    return images if factor == 1 else F.avg_pool2d(images, factor)


def upsample_for_display(images: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Nearest-neighbour enlargement to `size` ((height, width), or a square's side), so that every
    stage's samples are one size."""
    size = (size, size) if isinstance(size, int) else tuple(size)
    if tuple(images.shape[-2:]) == size:
        return images
    return F.interpolate(images, size=size, mode="nearest")


def stage_resolutions(resolution: int, progressive: bool) -> list[int]:
    """Resolutions a network can work at: all powers of two from 8 px when progressive, else its own."""
    if not progressive or resolution <= LOWEST_STAGE:
        return [resolution]
    return [2**i for i in range(int(math.log2(LOWEST_STAGE)), int(math.log2(resolution)) + 1)]


class Staged:
    """Mixin for a generator or discriminator that can run at a lower stage while it grows."""

    resolution: int
    block: tuple[int, int]  # (height, width) of the starting block: pictures are block × resolution / 4
    stage_res: int
    alpha: float
    stage_resolutions: list[int]

    def _init_stages(self, resolution: int, progressive: bool) -> None:
        self.block = getattr(self, "block", (4, 4))
        self.stage_resolutions = stage_resolutions(resolution, progressive)
        self.stage_res, self.alpha = resolution, 1.0

    @property
    def at_full_stage(self) -> bool:
        return self.stage_res == self.resolution and self.alpha >= 1.0

    def set_stage(self, resolution: int, alpha: float = 1.0) -> None:
        """Work at `resolution`, with the block that doubled it to there faded in by `alpha` (0..1)."""
        if resolution not in self.stage_resolutions:
            raise ValueError(f"stage {resolution} px is not one of {self.stage_resolutions}")
        alpha = float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha {alpha} is outside 0..1")
        if alpha < 1.0 and resolution // 2 not in self.stage_resolutions:
            raise ValueError(f"{resolution} px has no lower stage to fade from")
        self.stage_res, self.alpha = int(resolution), alpha

    def size_at(self, resolution: int) -> tuple[int, int]:
        """(height, width) of the pictures at a scale (the full one: the network's output)."""
        return (self.block[0] * resolution // 4, self.block[1] * resolution // 4)

    def stage_index(self) -> int:
        """log2(full / stage): how many doublings the network still has to grow."""
        return int(math.log2(self.resolution // self.stage_res))
