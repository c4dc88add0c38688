"""The Quick style-based model: the DCGAN's cheap backbone with a style per layer, for CPUs.

The style model (models/style.py) costs 3–4× the DCGAN per image on a CPU, so in the minutes of a CPU run
it stays in its early one-shape phase. This generator keeps the DCGAN's transposed convolutions and
BatchNorm (what makes the Quick model learn fast) and adds what exploring needs:
- w per picture (z at a fixed norm: no learned mapping network, which collapsed it on a CPU), with w's
  running mean for truncation;
- one w per layer: each BatchNorm is without its own scale and shift, which come per picture from that
  layer's w instead (conditional BatchNorm, as in BigGAN; AdaIN's role in StyleGAN), so style mixing,
  directions and truncation act per layer range;
- per-layer noise of a learned strength (zero at the start), fixed (`const`), per seed or off.

The discriminator is the DCGAN's. Any shape: the first layer makes the `block`, as the DCGAN's does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.models.dcgan import DCGANDiscriminator, _dcgan_init
from studio.core.models.progressive import Staged
from studio.core.models.style import layer_groups_by_resolution, noise_generator, per_layer

if TYPE_CHECKING:
    from studio.core.models import ModelSpec


class StyledBatchNorm(nn.Module):
    """BatchNorm whose scale and shift come from w, per picture."""

    def __init__(self, channels: int, w_dim: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.style = nn.Linear(w_dim, 2 * channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        scale, shift = self.style(w).chunk(2, dim=1)
        return self.norm(x) * (1.0 + scale[:, :, None, None]) + shift[:, :, None, None]


class NoiseInput(nn.Module):
    """Per-pixel noise of a learned strength (zero at the start), shared by the channels."""

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__()
        self.size = tuple(size)
        self.strength = nn.Parameter(torch.zeros([]))
        self.register_buffer("noise_const", torch.randn(1, 1, *self.size))

    @property
    def noise_strength(self) -> nn.Parameter:
        """The strength under the style model's name, which the renderer's per-layer switches set (the
        parameter keeps its own name: checkpoints store it as `strength`)."""
        return self.strength

    def forward(self, x: torch.Tensor, noise_mode: str, generator: torch.Generator | None) -> torch.Tensor:
        if noise_mode == "random":
            noise = torch.randn(x.shape[0], 1, *self.size, device=x.device, dtype=x.dtype, generator=generator)
            return x + noise * self.strength
        if noise_mode == "const":
            return x + self.noise_const * self.strength
        return x


class QuickStyleGenerator(Staged, nn.Module):
    def __init__(self, resolution: int, z_dim: int = 100, width: int = 32, num_classes: int = 0,
                 block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution, self.z_dim, self.w_dim, self.num_classes = resolution, z_dim, z_dim, num_classes
        self.block = tuple(block)
        n_up = int(math.log2(resolution)) - 2
        chans = [min(width * 2 ** (n_up - 1 - i), width * 8) for i in range(n_up)]
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        self.register_buffer("w_avg", torch.zeros(z_dim))
        self._init_stages(resolution, False)
        self.convs = nn.ModuleList([nn.ConvTranspose2d(z_dim, chans[0], self.block, 1, 0, bias=False)])
        self.convs.extend(nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False) for a, b in zip(chans[:-1], chans[1:], strict=True))
        self.norms = nn.ModuleList(StyledBatchNorm(c, z_dim) for c in chans)
        self.noises = nn.ModuleList(NoiseInput(self.size_at(4 * 2**k)) for k in range(n_up))
        self.head = nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False)
        # w 0 is the input and styles the 4 px block, w k the block at 4·2^k px.
        self.layer_res = [4 * 2**k for k in range(n_up)]
        self.num_ws = n_up
        self.upsample_output = False
        _dcgan_init(self)
        for norm in self.norms:  # styles start as plain BatchNorm: scale 1 (+0), shift 0
            nn.init.normal_(norm.style.weight, 0.0, 0.02)
            nn.init.zeros_(norm.style.bias)

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                update_w_avg: bool = False) -> torch.Tensor:
        """w is z scaled to the norm √z_dim (StyleGAN's pixel norm), the same for every layer until mixed.

        No learned mapping network: one (two layers at the recipe's learning rate) collapsed the model to
        about six shapes within 3 CPU-minutes on openmoji, where this kept its variety (docs/RECIPES.md)."""
        w = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        if self.embed is not None:
            if c is None:
                c = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
            w = w + self.embed(c)
        if update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().float().mean(0).lerp(self.w_avg, 0.995))
        return per_layer(w, self.w_avg, truncation_psi, self.num_ws)

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None,
                  noise_seed: int | None = None) -> torch.Tensor:
        generator = noise_generator(ws, noise_mode, generator, noise_seed)
        x = ws[:, 0][:, :, None, None]
        for k, (conv, norm, noise) in enumerate(zip(self.convs, self.norms, self.noises, strict=True)):
            x = F.relu(noise(norm(conv(x), ws[:, k]), noise_mode, generator))
        return torch.tanh(self.head(x))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "const") -> torch.Tensor:
        return self.synthesis(self.mapping(z, c, truncation_psi), noise_mode)

    def layer_groups(self) -> dict[str, range]:
        return layer_groups_by_resolution(self.layer_res)


def build(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    """The Quick style-based pair (registry.py): this generator and the DCGAN's discriminator, at one size."""
    return (QuickStyleGenerator(spec.resolution, spec.z_dim, spec.width, spec.num_classes, spec.block),
            DCGANDiscriminator(spec.resolution, spec.width, spec.num_classes, spec.d_norm, False, spec.block))
