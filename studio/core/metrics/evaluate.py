"""Score a generator against its training images: generate, extract features, compare.

`MetricsSettings` holds the sample counts (honest defaults per device: Inception at 299 px is slow on a
CPU), `Evaluator` keeps the network and the real features between evaluations.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from studio.core.metrics import scores
from studio.core.metrics.inception import Cancelled, InceptionFeatures
from studio.core.metrics.reference import real_features

PhaseProgress = Callable[[str, int, int], None]  # phase ("real" | "fake"), done, total


@dataclass
class MetricsSettings:
    real_count: int = 2000  # training images standing for the folder (features cached)
    fake_count: int = 1000  # generated images per evaluation
    kid_subsets: int = 100
    k: int = 5  # neighbours for precision/recall/density/coverage (Naeem et al.'s choice)
    batch: int = 32
    seed: int = 0  # the same latents at every evaluation, so curves compare like with like
    inception: str | None = None  # a TorchScript Inception file; None: bundled or $GAN_STUDIO_INCEPTION

    @classmethod
    def for_device(cls, device_type: str, inception: str | None = None) -> MetricsSettings:
        """CPU: Inception-v3 at 299 px costs ~0.1–0.2 s per image on two cores (measured), so a few
        thousand reals (once, cached) and a thousand fakes. KID is unbiased, so its mean is right at
        these counts, only noisier; FID is biased upwards at small counts and is comparable only at
        equal counts. GPU: counts closer to the literature's."""
        if device_type in ("cuda", "mps"):
            return cls(real_count=10000, fake_count=5000, batch=100, inception=inception)
        return cls(inception=inception)


@torch.no_grad()
def generated_images(G: nn.Module, count: int, *, seed: int = 0, num_classes: int = 0, batch: int = 32,
                     device: torch.device | str = "cpu", cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """uint8 (count, H, W, 3) images of a frozen generator from seeded latents (random per-layer noise,
    as the networks are trained with; classes drawn uniformly)."""
    device = torch.device(device)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    out = []
    for s in range(0, count, batch):
        if cancel is not None and cancel():
            raise Cancelled
        b = min(batch, count - s)
        z = torch.randn(b, G.z_dim, generator=gen).to(device)
        c = torch.randint(0, num_classes, (b,), generator=gen).to(device) if num_classes else None
        noise = torch.Generator(device=device).manual_seed(seed * 100_003 + s)
        x = G.synthesis(G.mapping(z, c), noise_mode="random", generator=noise)
        out.append((x.float() * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(out)


class Evaluator:
    """FID/KID/PRDC of generators trained on `images` (the decoded training set, uint8 N, H, W, 3)."""

    def __init__(self, images: np.ndarray, settings: MetricsSettings, device: torch.device | str = "cpu",
                 cache_dir: str | os.PathLike | None = None, num_classes: int = 0) -> None:
        self.images = images
        self.settings = settings
        self.device = torch.device(device)
        self.cache_dir = cache_dir
        self.num_classes = num_classes
        self._extractor: InceptionFeatures | None = None
        self._real: np.ndarray | None = None

    @property
    def extractor(self) -> InceptionFeatures:
        if self._extractor is None:
            self._extractor = InceptionFeatures(self.settings.inception, self.device, self.settings.batch)
        return self._extractor

    def real(self, progress: PhaseProgress | None = None, cancel: Callable[[], bool] | None = None) -> np.ndarray:
        if self._real is None:
            self._real = real_features(
                self.images, self.extractor, self.settings.real_count, cache_dir=self.cache_dir,
                progress=(lambda d, t: progress("real", d, t)) if progress else None, cancel=cancel)
        return self._real

    def fake(self, G: nn.Module, progress: PhaseProgress | None = None,
             cancel: Callable[[], bool] | None = None) -> np.ndarray:
        s = self.settings
        images = generated_images(G, s.fake_count, seed=s.seed, num_classes=self.num_classes, batch=s.batch,
                                  device=self.device, cancel=cancel)
        return self.extractor(images, (lambda d, t: progress("fake", d, t)) if progress else None, cancel)

    def evaluate(self, G: nn.Module, progress: PhaseProgress | None = None,
                 cancel: Callable[[], bool] | None = None) -> tuple[scores.QualityScores, float]:
        """(scores, seconds spent) of a frozen generator."""
        t0 = time.perf_counter()
        real = self.real(progress, cancel)
        fake = self.fake(G, progress, cancel)
        result = scores.score(real, fake, self.settings.kid_subsets, self.settings.k)
        return result, time.perf_counter() - t0
