"""The classic DCGAN (Radford et al. 2015) at any power-of-two resolution, optionally class-conditional.

Any shape: G's first layer makes a `block` (height, width) from the latent (4×4 for a square, 4×6 for
3:2 landscape), every later layer doubles it; D halves the picture back to the block and its last
layer covers the whole block (core/shape.py).

Exposes the same mapping/synthesis split as the style model so exploration code treats both alike:
for DCGAN, w is simply z (truncation shrinks it towards 0, the mean of z).

Progressive growing (`progressive=True`) adds what a lower stage needs and the full network lacks:
an RGB head per lower resolution in G (a stride-2 transposed conv from the features one octave below,
as the full network's own last layer) and an RGB input per lower resolution in D (as its first layer).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.models.progressive import Staged, fade_up

if TYPE_CHECKING:
    from studio.core.models import ModelSpec


def _dcgan_init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def _run(seq: nn.Sequential, span: tuple[int, int], x: torch.Tensor) -> torch.Tensor:
    for i in range(*span):
        x = seq[i](x)
    return x


class DCGANGenerator(Staged, nn.Module):
    num_ws = 1

    def __init__(self, resolution: int, z_dim: int = 100, width: int = 64, num_classes: int = 0,
                 progressive: bool = False, block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution, self.z_dim, self.num_classes = resolution, z_dim, num_classes
        self.block = tuple(block)
        self.w_dim = z_dim
        n_up = int(math.log2(resolution)) - 2  # 4x4 -> resolution
        chans = [min(width * 2 ** (n_up - 1 - i), width * 8) for i in range(n_up)]
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(z_dim, chans[0], self.block, 1, 0, bias=False),
            nn.BatchNorm2d(chans[0]),
            nn.ReLU(True),
        ]
        for cin, cout in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        # Spans of `net`: block k makes the features at 4·2^k px; the head turns the last ones into RGB.
        self._blocks = [(3 * k, 3 * k + 3) for k in range(n_up)]
        self._head = (3 * n_up, 3 * n_up + 2)
        self._init_stages(resolution, progressive)
        self.heads = nn.ModuleDict({
            str(r): nn.ConvTranspose2d(chans[int(math.log2(r)) - 3], 3, 4, 2, 1, bias=False)
            for r in self.stage_resolutions if r < resolution
        }) if progressive else None
        self.upsample_output = False  # set on the EMA/explore copy: lower stages shown at full size
        _dcgan_init(self)

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                update_w_avg: bool = False) -> torch.Tensor:
        w = z * truncation_psi
        if self.embed is not None:
            if c is None:
                c = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
            w = w + self.embed(c)
        return w.unsqueeze(1)

    def _rgb(self, features: torch.Tensor, res: int) -> torch.Tensor:
        """RGB at `res` from the features at res/2."""
        if res == self.resolution:
            return _run(self.net, self._head, features)
        return torch.tanh(self.heads[str(res)](features))

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None,
                  noise_seed: int | None = None) -> torch.Tensor:
        x = ws[:, 0][:, :, None, None]
        if self.at_full_stage:
            return self.net(x)
        n = int(math.log2(self.stage_res)) - 2  # blocks that run at this stage
        old = None
        for k in range(n):
            if k == n - 1 and self.alpha < 1.0:
                old = self._rgb(x, self.stage_res // 2)  # the previous stage's image, from 4·2^(k-1) px
            x = _run(self.net, self._blocks[k], x)
        img = self._rgb(x, self.stage_res)
        if old is not None:
            img = torch.lerp(fade_up(old), img, self.alpha)
        if self.upsample_output:
            img = F.interpolate(img, size=self.size_at(self.resolution), mode="nearest")
        return img

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "const") -> torch.Tensor:
        return self.synthesis(self.mapping(z, c, truncation_psi), noise_mode)


class DCGANDiscriminator(Staged, nn.Module):
    def __init__(self, resolution: int, width: int = 64, num_classes: int = 0, norm: bool = True,
                 progressive: bool = False, block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution = resolution
        self.block = tuple(block)
        n_down = int(math.log2(resolution)) - 2
        chans = [min(width * 2**i, width * 8) for i in range(n_down)]
        layers: list[nn.Module] = [nn.Conv2d(3, chans[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        self._blocks = [(0, 2)]  # spans of `features`; block j halves resolution/2^j
        for cin, cout in zip(chans[:-1], chans[1:], strict=True):
            start = len(layers)
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm)]
            if norm:
                layers += [nn.BatchNorm2d(cout)]
            layers += [nn.LeakyReLU(0.2, True)]
            self._blocks.append((start, len(layers)))
        self.features = nn.Sequential(*layers)
        self.out = nn.Conv2d(chans[-1], 1, self.block, 1, 0, bias=False)  # the whole block
        # Projection discriminator (Miyato & Koyama 2018) for class conditioning.
        self.embed = nn.Embedding(num_classes, chans[-1]) if num_classes else None
        self._init_stages(resolution, progressive)
        self.from_rgbs = nn.ModuleDict({
            str(r): nn.Sequential(nn.Conv2d(3, chans[int(math.log2(resolution // r))], 4, 2, 1, bias=False),
                                  nn.LeakyReLU(0.2, True))
            for r in self.stage_resolutions if r < resolution
        }) if progressive else None
        _dcgan_init(self)

    def trunk_blocks(self) -> list[list[nn.Module]]:
        """The convolutional blocks from the image inwards (what FreezeD freezes the first K of)."""
        return [list(self.features[a:b]) for a, b in self._blocks]

    def _from_rgb(self, img: torch.Tensor, res: int) -> torch.Tensor:
        if res == self.resolution:
            return _run(self.features, self._blocks[0], img)
        return self.from_rgbs[str(res)](img)

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if self.at_full_stage:
            h = self.features(img)
        else:
            j = self.stage_index()  # the block that takes this stage's input
            h = self._from_rgb(img, self.stage_res)
            if self.alpha < 1.0:
                new = _run(self.features, self._blocks[j + 1], h)
                old = self._from_rgb(F.avg_pool2d(img, 2), self.stage_res // 2)
                h = torch.lerp(old, new, self.alpha)
                j += 1
            for span in self._blocks[j + 1:]:
                h = _run(self.features, span, h)
        logits = self.out(h).flatten(1)
        if self.embed is not None and c is not None:
            pooled = F.leaky_relu(h, 0.2).sum(dim=(2, 3))
            logits = logits + (self.embed(c) * pooled).sum(dim=1, keepdim=True) / math.sqrt(pooled.shape[1])
        return logits.squeeze(1)


def build(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    """The Quick model's pair (registry.py)."""
    return (DCGANGenerator(spec.resolution, spec.z_dim, spec.width, spec.num_classes, spec.progressive, spec.block),
            DCGANDiscriminator(spec.resolution, spec.width, spec.num_classes, spec.d_norm, spec.progressive,
                               spec.block))
