"""The Lite model: a light generator with skip-layer excitation, after the ideas of FastGAN (Liu et al. 2021,
"Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis"), written for the
studio's shapes and CPU budgets; its discriminator is the Quick model's.

Generator: the latent becomes the starting block (4×4 for a square, 6×4 at 3:2), then every block doubles
the picture with a nearest-neighbour upsampling and a 3×3 convolution whose gated linear unit (GLU) halves
its doubled channels. Skip-layer excitation (SLE): the features at a small size (4 and 8 px of the scale)
are pooled, turned into one gate per channel and multiply the features three doublings later (32 and 64
px), so the coarse layout steers the fine layers through a short path. w is z (one layer), as the Quick
model's: Explore's directions and walks work on it; style mixing does not.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from studio.core.models.dcgan import DCGANDiscriminator, _dcgan_init
from studio.core.models.progressive import Staged

if TYPE_CHECKING:
    from studio.core.models import ModelSpec

SLE_SPAN = 3  # doublings between the features that give a gate and those it excites (FastGAN: 8 -> 128 px)


class SkipExcitation(nn.Module):
    """Channel gates for large features from small ones: pool to 4×4, a 4×4 conv to one value per channel,
    a 1×1 conv, a sigmoid."""

    def __init__(self, small: int, large: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Conv2d(small, large, 4, 1, 0, bias=False),
                                  nn.LeakyReLU(0.1), nn.Conv2d(large, large, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small: torch.Tensor, large: torch.Tensor) -> torch.Tensor:
        return large * self.gate(small)


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, 2 * cout, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(2 * cout), nn.GLU(dim=1))


class LiteGenerator(Staged, nn.Module):
    num_ws = 1

    def __init__(self, resolution: int, z_dim: int = 100, width: int = 16, num_classes: int = 0,
                 block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution, self.z_dim, self.w_dim, self.num_classes = resolution, z_dim, z_dim, num_classes
        self.block = tuple(block)
        n_up = int(math.log2(resolution)) - 2  # 4 -> resolution
        # Channels at 4, 8, … px of the scale: wide where the picture is small, as the DCGAN's.
        self.chans = [min(width * 2 ** (n_up - i), width * 8) for i in range(n_up + 1)]
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        self.start = nn.Sequential(nn.ConvTranspose2d(z_dim, 2 * self.chans[0], self.block, 1, 0, bias=False),
                                   nn.BatchNorm2d(2 * self.chans[0]), nn.GLU(dim=1))
        self.ups = nn.ModuleList(_up(a, b) for a, b in zip(self.chans[:-1], self.chans[1:], strict=True))
        # Feature k (4·2^k px) excites feature k + SLE_SPAN, from 32 px of the scale up.
        self.sle = nn.ModuleDict({str(k + SLE_SPAN): SkipExcitation(self.chans[k], self.chans[k + SLE_SPAN])
                                  for k in range(n_up + 1 - SLE_SPAN)})
        self.to_rgb = nn.Sequential(nn.Conv2d(self.chans[-1], 3, 3, 1, 1, bias=False), nn.Tanh())
        self._init_stages(resolution, False)
        self.upsample_output = False
        _dcgan_init(self)

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                update_w_avg: bool = False) -> torch.Tensor:
        w = z * truncation_psi
        if self.embed is not None:
            if c is None:
                c = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
            w = w + self.embed(c)
        return w.unsqueeze(1)

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None,
                  noise_seed: int | None = None) -> torch.Tensor:
        x = self.start(ws[:, 0][:, :, None, None])
        features = [x]
        for k, up in enumerate(self.ups, start=1):
            x = up(x)
            sle = self.sle[str(k)] if str(k) in self.sle else None
            if sle is not None:
                x = sle(features[k - SLE_SPAN], x)
            features.append(x)
        return self.to_rgb(x)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "const") -> torch.Tensor:
        return self.synthesis(self.mapping(z, c, truncation_psi), noise_mode)


def build(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    """The Lite model's pair (registry.py): the SLE generator and the Quick model's discriminator."""
    return (LiteGenerator(spec.resolution, spec.z_dim, spec.width, spec.num_classes, spec.block),
            DCGANDiscriminator(spec.resolution, spec.width, spec.num_classes, spec.d_norm, False, spec.block))
