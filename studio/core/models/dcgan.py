"""The classic DCGAN (Radford et al. 2015) at any power-of-two resolution, optionally class-conditional.

Exposes the same mapping/synthesis split as the style model so exploration code treats both alike:
for DCGAN, w is simply z (truncation shrinks it towards 0, the mean of z).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def _dcgan_init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    num_ws = 1

    def __init__(self, resolution: int, z_dim: int = 100, width: int = 64, num_classes: int = 0) -> None:
        super().__init__()
        self.resolution, self.z_dim, self.num_classes = resolution, z_dim, num_classes
        self.w_dim = z_dim
        n_up = int(math.log2(resolution)) - 2  # 4x4 -> resolution
        chans = [min(width * 2 ** (n_up - 1 - i), width * 8) for i in range(n_up)]
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(z_dim, chans[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(chans[0]),
            nn.ReLU(True),
        ]
        for cin, cout in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
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
        w = ws[:, 0]
        return self.net(w[:, :, None, None])

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "const") -> torch.Tensor:
        return self.synthesis(self.mapping(z, c, truncation_psi), noise_mode)


class DCGANDiscriminator(nn.Module):
    def __init__(self, resolution: int, width: int = 64, num_classes: int = 0, norm: bool = True) -> None:
        super().__init__()
        n_down = int(math.log2(resolution)) - 2
        chans = [min(width * 2**i, width * 8) for i in range(n_down)]
        layers: list[nn.Module] = [nn.Conv2d(3, chans[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for cin, cout in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm)]
            if norm:
                layers += [nn.BatchNorm2d(cout)]
            layers += [nn.LeakyReLU(0.2, True)]
        self.features = nn.Sequential(*layers)
        self.out = nn.Conv2d(chans[-1], 1, 4, 1, 0, bias=False)
        # Projection discriminator (Miyato & Koyama 2018) for class conditioning.
        self.embed = nn.Embedding(num_classes, chans[-1]) if num_classes else None
        _dcgan_init(self)

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(img)
        logits = self.out(h).flatten(1)
        if self.embed is not None and c is not None:
            pooled = F.leaky_relu(h, 0.2).sum(dim=(2, 3))
            logits = logits + (self.embed(c) * pooled).sum(dim=1, keepdim=True) / math.sqrt(pooled.shape[1])
        return logits.squeeze(1)
