"""The progressive-growing schedule: which resolution and fade-in α a run is at, from how far it got.

The schedule is phases of equal length: the start resolution stabilises for one phase, then every
doubling fades in over one phase and stabilises over one; the final resolution keeps training for
the rest of the run. Phases are in kimg (runs whose length is in steps or kimg; reproducible) or in
minutes of training (runs given in minutes). With no explicit phase length, `resolve` divides the
run into 2·n + 2 phases for n doublings, so the final resolution gets the last three (fade, then
twice the others' stabilisation). The resolved phase is stored in config.json, so a resumed run —
even one given a new length — follows the same schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from studio.core.errors import StudioError
from studio.core.shape import CanvasShape
from studio.core.models.progressive import LOWEST_STAGE, downsample_to, fade_up


@dataclass(frozen=True)
class Stage:
    resolution: int
    alpha: float = 1.0  # the newest block's weight; < 1 while fading in

    @property
    def fading(self) -> bool:
        return self.alpha < 1.0

    def describe(self) -> str:
        if self.fading:
            return f"{self.resolution // 2} px → {self.resolution} px, fading {self.alpha:.0%}"
        return f"{self.resolution} px"

    def to_json(self) -> dict:
        return {"resolution": self.resolution, "alpha": self.alpha}


def default_start(resolution: int) -> int:
    """8 px, or 16 px from 256 px up (fewer, still small, stages)."""
    return min(resolution, 16 if resolution >= 256 else LOWEST_STAGE)


def check_start(start: int, resolution: int) -> None:
    if start < LOWEST_STAGE or start > resolution or start & (start - 1):
        raise StudioError(f"Progressive growing starts at a power of two from {LOWEST_STAGE} px up to the "
                          f"run's resolution ({resolution} px); {start} px is not one.")


@dataclass(frozen=True)
class Schedule:
    start: int
    final: int
    phase: float  # length of each fade-in and each stabilisation, in `unit`
    unit: str = "kimg"  # "kimg" | "minutes"
    block: tuple[int, int] = (4, 4)  # the canvas's starting block (width, height): how stages are named

    def px(self, scale: int) -> str:
        """A stage's picture size in words: '8 px' for a square run, '12×8 px' for a 3:2 one."""
        return CanvasShape.of_model(scale, *self.block).px

    @property
    def resolutions(self) -> list[int]:
        return [2**i for i in range(int(math.log2(self.start)), int(math.log2(self.final)) + 1)]

    @property
    def doublings(self) -> int:
        return len(self.resolutions) - 1

    @property
    def end(self) -> float:
        """Where the final resolution is fully faded in."""
        return self.phase * 2 * self.doublings

    def stage_at(self, position: float) -> Stage:
        """The stage after `position` kimg (or minutes) of training."""
        res = self.resolutions
        if self.phase <= 0 or self.doublings == 0:
            return Stage(self.final)
        t = position - self.phase  # the start resolution's stabilisation
        if t < 0:
            return Stage(self.start)
        k, within = divmod(t, 2 * self.phase)
        k = int(k)
        if k >= self.doublings:
            return Stage(self.final)
        if within < self.phase:
            return Stage(res[k + 1], within / self.phase)
        return Stage(res[k + 1])

    def describe(self) -> str:
        """One sentence for the user (the CLI prints it, the window shows it on the progress bar)."""
        if self.doublings == 0:
            return f"Progressive growing: {self.px(self.final)} from the start."
        amount = f"{self.phase:.3g} {self.unit}"
        grown = ", ".join(self.px(r) for r in self.resolutions[1:])
        verbs = "fades in over {0} and holds {0}" if self.doublings == 1 else "each fade in over {0} and hold {0}"
        return (f"Progressive growing: {self.px(self.start)} for {amount}, then {grown} {verbs.format(amount)}; "
                f"{self.px(self.final)} from {self.end:.3g} {self.unit} on.")


def phases_for(total: float, doublings: int) -> float:
    """The automatic phase length for a run of `total` kimg or minutes."""
    return total / (2 * doublings + 2)


def real_at_stage(images: torch.Tensor, stage: Stage, full: int | None = None) -> torch.Tensor:
    """Real images (full resolution, [-1, 1]) as the discriminator sees them at `stage`: area-downsampled,
    and while a block fades in, blended with the previous stage's upsampled version as fakes are (ProGAN).
    `full` is the networks' scale (needed for a non-square shape; default: the images' width)."""
    x = downsample_to(images, stage.resolution, full)
    if stage.fading:
        low = fade_up(downsample_to(images, stage.resolution // 2, full))
        x = torch.lerp(low, x, stage.alpha)
    return x
