"""Watching a run's health: mode collapse (the fixed-seed samples look alike) and discriminator
overfitting (ADA's augmentation probability pinned at its maximum). Each raises one warning, and
again only after the run has recovered in between."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F


def diversity(images: torch.Tensor) -> float:
    """Mean pairwise distance of images in [-1, 1], compared at 8x8 so that noise does not count."""
    small = F.adaptive_avg_pool2d(images.float(), 8).flatten(1)
    if small.shape[0] < 2:
        return 0.0
    d = torch.cdist(small, small)
    n = d.shape[0]
    return float(d.sum() / (n * (n - 1)))


HealthKind = Literal["mode collapse", "discriminator overfitting"]


@dataclass(frozen=True)
class HealthWarning:
    """One warning about the run: `kind` names the problem (the best checkpoint's reason says which came
    first), `text` tells the artist what it means and what to try."""

    kind: HealthKind
    text: str


class HealthMonitor:
    # Measured on real runs (bench/RESULTS.md, "Health"): style models collapsed to one outline in other colours
    # scored 0.40-0.50 of the images' diversity, healthy runs 0.94-1.4 and early noise 0.6 (the old 0.25
    # missed every real collapse).
    collapse_ratio = 0.55  # fake diversity below this share of the real images' raises the warning
    recover_ratio = 0.75  # and at or above it the samples count as varied (re-arms, ends the warm-up)
    min_kimg = 2.0  # a freshly initialised generator is legitimately uniform
    # Until the samples have once been varied, a starting run's uniform blobs are not a collapse: judged only
    # from here on.
    warmup_kimg = 20.0
    p_pinned = 0.95
    pinned_seconds = 60.0

    def __init__(self, real_images: torch.Tensor) -> None:
        self.real_diversity = max(diversity(real_images), 1e-6)
        self._collapsed = False
        self._was_varied = False
        self._pinned_since: float | None = None
        self._overfit_warned = False

    def check_samples(self, images: torch.Tensor, kimg: float) -> HealthWarning | None:
        if kimg < self.min_kimg:
            return None
        ratio = diversity(images) / self.real_diversity
        if ratio >= self.recover_ratio:
            self._was_varied = True
            self._collapsed = False
            return None
        if not self._was_varied and kimg < self.warmup_kimg:
            return None
        if not self._collapsed and ratio < self.collapse_ratio:
            self._collapsed = True
            return HealthWarning("mode collapse", (
                f"Possible mode collapse: the preview samples are much less varied than your images "
                f"({ratio:.0%} of their diversity). Try more augmentation, a lower learning rate or "
                f"resuming from an earlier checkpoint."))
        return None

    def check_augment(self, p: float, seconds: float) -> HealthWarning | None:
        if p < self.p_pinned:
            self._pinned_since = None
            self._overfit_warned = False
            return None
        if self._pinned_since is None:
            self._pinned_since = seconds
        if not self._overfit_warned and seconds - self._pinned_since >= self.pinned_seconds:
            self._overfit_warned = True
            return HealthWarning("discriminator overfitting", (
                "The discriminator is overfitting even at maximum augmentation: the folder is small for "
                "this model. Add images, lower the resolution, or pick the best snapshot so far."))
        return None
