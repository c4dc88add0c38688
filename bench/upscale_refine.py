"""An experiment, rejected (bench/RESULTS.md, tenth sitting): teaching the learned upscale on the run's own
pictures, not only on the folder's. Used by bench/upscale.py --refine-minutes; the studio does not use it.

The folder's pairs (a real picture against its reduced copy) teach the network what a *real* small picture
misses; a generated small picture is softer and noisier, and an upscale taught on real pairs alone sharpens
its speckle (measured: it lost to Lanczos on generated pictures). Here the network also enlarges the run's
own pictures, and two things judge what it adds to their Lanczos ×s:

- a critic (a small patch discriminator, as in SRGAN/ESRGAN) that compares the enlarged pictures with the
  folder's real pictures at the high size: it pushes the added detail towards the folder's own edges and
  texture, and away from sharpened speckle;
- a consistency term: the added detail, taken back down to the run's size, must be nothing, so the
  enlarged picture is still the run's picture seen small (the upscale adds detail, it does not redraw).

The folder's pairs keep their L1 term, so what they taught is kept. Everything runs for a budget of
seconds of any clock, like the folder-only training (core.upscale.train). Measured (KID ×10³ of a 32 px run's
pictures ×2): worse than Lanczos on both 64 px folders (twemoji 158 vs 129, openmoji 124 vs 91), about level
with the folder-only network (155, 126), and its crops show a fine checker texture."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.upscale.network import UpscalerNet, combine, lanczos_bases, to_tensor
from studio.core.upscale.pairs import FolderPairs


@dataclass(frozen=True)
class RefineSettings:
    batch: int = 16
    lr: float = 1e-4
    critic_lr: float = 2e-4
    adversarial: float = 0.02  # weight of the critic's verdict on the enlarged run pictures
    consistency: float = 1.0  # weight of |added detail taken down to the run's size|
    pairs: float = 1.0  # weight of the folder pairs' L1
    pool: int = 2048  # run pictures made once and enlarged again and again
    critic_width: int = 16
    crop: int = 16  # run pictures are enlarged as crops of this many low-res px (0: whole); the critic sees ×s


@dataclass(frozen=True)
class RefineStats:
    steps: int
    seconds: float
    critic_real: float  # recent mean critic score of real pictures (logit)
    critic_enlarged: float  # of the enlarged run pictures


class PatchCritic(nn.Module):
    """Real or enlarged? A logit for each ~30 px patch of a high-res picture (0..1 float, N 3 H W)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, w * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w * 2, w * 4, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w * 4, w * 4, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(w * 4, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2.0 - 1.0)


def _crops(lows: np.ndarray, bases: np.ndarray, reals: np.ndarray, crop: int, s: int,
           gen: torch.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aligned random crops of the run pictures and their Lanczos bases, and random crops of as large a
    part of the real pictures."""
    h, w = lows.shape[1:3]
    ys = torch.randint(0, h - crop + 1, (2, len(lows)), generator=gen).numpy()
    xs = torch.randint(0, w - crop + 1, (2, len(lows)), generator=gen).numpy()
    c = crop * s
    lo = np.stack([a[y:y + crop, x:x + crop] for a, y, x in zip(lows, ys[0], xs[0], strict=True)])
    ba = np.stack([a[s * y:s * y + c, s * x:s * x + c] for a, y, x in zip(bases, ys[0], xs[0], strict=True)])
    re = np.stack([a[s * y:s * y + c, s * x:s * x + c] for a, y, x in zip(reals, ys[1], xs[1], strict=True)])
    return lo, ba, re


def refine_upscaler(net: UpscalerNet, pairs: FolderPairs, run_pictures: Callable[[int], np.ndarray], seconds: float,
                    *, settings: RefineSettings | None = None, device: torch.device | str = "cpu",
                    clock: Callable[[], float] = time.perf_counter, seed: int = 0,
                    cancel: Callable[[], bool] | None = None) -> RefineStats:
    """Train `net` (in place) on the run's pictures (`run_pictures(n)`: uint8 N h w 3, as exported) against
    the folder's real high-res pictures, keeping the folder pairs' L1, for `seconds` of `clock`."""
    from studio.core.upscale.train import _Crops

    settings = settings or RefineSettings()
    device = torch.device(device)
    s = net.spec.scale
    gen = torch.Generator().manual_seed(seed)
    low_pool = run_pictures(settings.pool)
    base_pool = lanczos_bases(low_pool, s)
    real = pairs.train.high
    crops = _Crops(pairs.train, s, 24, device, seed=seed + 1)
    critic = PatchCritic(settings.critic_width).to(device)
    opt_u = torch.optim.Adam(net.parameters(), lr=settings.lr, betas=(0.5, 0.99))
    opt_c = torch.optim.Adam(critic.parameters(), lr=settings.critic_lr, betas=(0.5, 0.99))
    n = settings.batch
    recent_real: list[float] = []
    recent_fake: list[float] = []
    step, start = 0, clock()
    net.train()
    while step == 0 or clock() - start < seconds:
        if cancel is not None and cancel():
            break
        pick = torch.randint(0, len(low_pool), (n,), generator=gen).numpy()
        lows, bases = low_pool[pick], base_pool[pick]
        reals = real[torch.randint(0, len(real), (n,), generator=gen).numpy()]
        if settings.crop and settings.crop < min(lows.shape[1:3]):
            lows, bases, reals = _crops(lows, bases, reals, settings.crop, s, gen)
        low, base, reals = to_tensor(lows, device), to_tensor(bases, device), to_tensor(reals, device) / 255.0
        if torch.rand((), generator=gen) < 0.5:  # mirrored alike: the critic gets no hint from the side
            low, base, reals = low.flip(3), base.flip(3), reals.flip(3)

        residual = net(low)
        enlarged = combine(base, residual)
        # the critic: real pictures against enlarged ones (non-saturating logistic loss)
        c_real, c_fake = critic(reals), critic(enlarged.detach())
        loss_c = F.softplus(-c_real).mean() + F.softplus(c_fake).mean()
        opt_c.zero_grad(set_to_none=True)
        loss_c.backward()
        opt_c.step()
        # the upscale: fool the critic, add nothing at the run's size, keep the folder pairs' L1
        p_low, p_base, p_high = crops.batch(n)
        loss_u = (settings.adversarial * F.softplus(-critic(enlarged)).mean()
                  + settings.consistency * F.avg_pool2d(residual, s).abs().mean()
                  + settings.pairs * F.l1_loss(combine(p_base, net(p_low)), p_high / 255.0))
        opt_u.zero_grad(set_to_none=True)
        loss_u.backward()
        opt_u.step()
        step += 1
        recent_real.append(c_real.mean().item())
        recent_fake.append(c_fake.mean().item())
        del recent_real[:-50], recent_fake[:-50]
    net.eval()
    return RefineStats(step, clock() - start, float(np.mean(recent_real)), float(np.mean(recent_fake)))
