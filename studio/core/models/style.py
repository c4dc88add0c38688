"""A compact style-based generator (StyleGAN2-like) and a residual discriminator with minibatch std.

Generator: a mapping network z -> w, synthesis from a learned 4x4 constant through modulated /
demodulated 3x3 convolutions with per-layer noise, skip-connected toRGB outputs. Every layer reads
its own w (ws[:, i]), which is what makes per-layer-range style mixing possible.
Equalised learning rate everywhere (weights stored at unit scale, scaled at run time).

Any shape: the constant is a `block` (height, width) — 4×4 for a square, 4×6 for 3:2 landscape — and every
feature map is the block × scale / 4; D ends on the same block (core/shape.py).

Progressive growing: the skip generator already has a toRGB per resolution, so a stage just stops
early and fades the newest toRGB in (img = up(img) + α·toRGB); the discriminator gets a fromRGB per
lower resolution when built `progressive`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.models.progressive import Staged

if TYPE_CHECKING:
    from studio.core.models import ModelSpec

SQRT2 = math.sqrt(2.0)


def per_layer(w: torch.Tensor, w_avg: torch.Tensor, truncation_psi: float, num_ws: int) -> torch.Tensor:
    """w [B, w_dim] -> per-layer latents [B, num_ws, w_dim], pulled towards w_avg by the truncation ψ."""
    if truncation_psi != 1.0:
        w = w_avg.lerp(w, truncation_psi)
    return w.unsqueeze(1).repeat(1, num_ws, 1)


def noise_generator(ws: torch.Tensor, noise_mode: str, generator: torch.Generator | None,
                    noise_seed: int | None) -> torch.Generator | None:
    """The random stream of `noise_mode="random"`: the one given, else one seeded by `noise_seed`."""
    if noise_mode == "random" and generator is None and noise_seed is not None:
        return torch.Generator(device=ws.device).manual_seed(int(noise_seed))
    return generator


def layer_groups_by_resolution(res_of_w: list[int]) -> dict[str, range]:
    """coarse / middle / fine w indices by the resolution each w works at (StyleGAN's split); small
    models, with nothing above 32 px, split what there is into thirds."""
    coarse = [i for i, r in enumerate(res_of_w) if r <= 8]
    middle = [i for i, r in enumerate(res_of_w) if 8 < r <= 32]
    fine = [i for i, r in enumerate(res_of_w) if r > 32]
    if not (coarse and middle and fine):
        n = len(res_of_w)
        a, b = max(1, round(n / 3)), max(2, round(2 * n / 3))
        return {"coarse": range(0, a), "middle": range(a, b), "fine": range(b, n)}
    return {"coarse": range(coarse[0], coarse[-1] + 1), "middle": range(middle[0], middle[-1] + 1),
            "fine": range(fine[0], fine[-1] + 1)}


def channels_at(res: int, width: int) -> int:
    """Channel count at a resolution: `width` up to 16 px, then halving per doubling (min 16)."""
    return max(16, min(width, width * 16 // res))


class EqualLinear(nn.Module):
    def __init__(self, cin: int, cout: int, bias_init: float = 0.0, lr_mul: float = 1.0, act: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full((cout,), float(bias_init) / lr_mul))
        self.scale = lr_mul / math.sqrt(cin)
        self.lr_mul, self.act = lr_mul, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.act else x


class EqualConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, bias: bool = True, act: bool = True, down: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale = 1 / math.sqrt(cin * k * k)
        self.act, self.down, self.pad = act, down, k // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)
        if self.down:
            x = F.avg_pool2d(x, 2)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.act else x


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int, w_dim: int, num_classes: int = 0, layers: int = 4) -> None:
        super().__init__()
        self.z_dim, self.w_dim = z_dim, w_dim
        self.embed = EqualLinear(num_classes, z_dim) if num_classes else None
        dims = [z_dim * (2 if num_classes else 1)] + [w_dim] * layers
        self.net = nn.Sequential(*[EqualLinear(a, b, lr_mul=0.01, act=True) for a, b in zip(dims[:-1], dims[1:])])
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None, update_w_avg: bool = False) -> torch.Tensor:
        x = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        if self.embed is not None:
            if c is None:
                c = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
            y = self.embed(F.one_hot(c, self.embed.weight.shape[1]).to(z.dtype))
            y = y * (y.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
            x = torch.cat([x, y], dim=1)
        w = self.net(x)
        if update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().float().mean(0).lerp(self.w_avg, 0.995))
        return w


class ModulatedConv(nn.Module):
    """Weight (de)modulation applied to activations, so a plain shared conv does the work (fast on CPU)."""

    def __init__(self, cin: int, cout: int, k: int, w_dim: int, demodulate: bool = True, up: bool = False) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, cin, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.scale = 1 / math.sqrt(cin * k * k)
        self.demodulate, self.up, self.pad = demodulate, up, k // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # [B, cin]
        weight = self.weight * self.scale
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = x * styles[:, :, None, None]
        x = F.conv2d(x, weight, padding=self.pad)
        if self.demodulate:
            dcoefs = ((weight.square().sum(dim=(2, 3)))[None] * styles.square()[:, None, :]).sum(dim=2)
            x = x * (dcoefs + 1e-8).rsqrt()[:, :, None, None]
        return x


class SynthesisLayer(nn.Module):
    def __init__(self, cin: int, cout: int, res: int, w_dim: int, up: bool = False,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.conv = ModulatedConv(cin, cout, 3, w_dim, up=up)
        self.res = res
        self.size = tuple(size or (res, res))  # (height, width) of its feature maps
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.register_buffer("noise_const", torch.randn(1, 1, *self.size))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str, generator: torch.Generator | None) -> torch.Tensor:
        x = self.conv(x, w)
        if noise_mode == "random":
            noise = torch.randn(x.shape[0], 1, *self.size, device=x.device, dtype=x.dtype, generator=generator)
            x = x + noise * self.noise_strength
        elif noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        x = x + self.bias[None, :, None, None]
        return F.leaky_relu(x, 0.2) * SQRT2


class ToRGB(nn.Module):
    def __init__(self, cin: int, w_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv(cin, 3, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias[None, :, None, None]


class StyleGenerator(Staged, nn.Module):
    def __init__(self, resolution: int, z_dim: int = 256, width: int = 256, num_classes: int = 0,
                 mapping_layers: int = 4, progressive: bool = False, block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution, self.z_dim, self.w_dim, self.num_classes = resolution, z_dim, z_dim, num_classes
        self.block = tuple(block)
        self.mapping_net = MappingNetwork(z_dim, z_dim, num_classes, mapping_layers)
        self.resolutions = [2**i for i in range(2, int(math.log2(resolution)) + 1)]
        c4 = channels_at(4, width)
        self.const = nn.Parameter(torch.randn(c4, *self.block))
        self.layers = nn.ModuleList()
        self.torgbs = nn.ModuleList()
        self.layer_res: list[int] = []
        cin = c4
        for res in self.resolutions:
            cout = channels_at(res, width)
            size = self.size_at(res)
            if res > 4:
                self.layers.append(SynthesisLayer(cin, cout, res, z_dim, up=True, size=size))
                self.layer_res.append(res)
            self.layers.append(SynthesisLayer(cout if res > 4 else cin, cout, res, z_dim, size=size))
            self.layer_res.append(res)
            self.torgbs.append(ToRGB(cout, z_dim))
            cin = cout
        # Each conv layer reads its own w; toRGB at a resolution shares the w of the layer after it
        # (as in StyleGAN2), so there is one more w than conv layers.
        self.num_ws = len(self.layers) + 1
        self._init_stages(resolution, progressive)
        self.upsample_output = False  # set on the EMA/explore copy: lower stages shown at full size

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping_net.w_avg

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                update_w_avg: bool = False) -> torch.Tensor:
        return per_layer(self.mapping_net(z, c, update_w_avg), self.w_avg, truncation_psi, self.num_ws)

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None,
                  noise_seed: int | None = None) -> torch.Tensor:
        generator = noise_generator(ws, noise_mode, generator, noise_seed)
        x = self.const[None].expand(ws.shape[0], -1, -1, -1)
        img = None
        li = 0
        for ri, res in enumerate(self.resolutions):
            if res > self.stage_res:
                break  # not grown yet
            n = 1 if res == 4 else 2
            for _ in range(n):
                x = self.layers[li](x, ws[:, li], noise_mode, generator)
                li += 1
            y = self.torgbs[ri](x, ws[:, li])
            if res == self.stage_res and self.alpha < 1.0:
                y = y * self.alpha  # fading the newest block in
            img = y if img is None else F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False) + y
        if self.upsample_output and tuple(img.shape[-2:]) != self.size_at(self.resolution):
            img = F.interpolate(img, size=self.size_at(self.resolution), mode="nearest")
        return img

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "const") -> torch.Tensor:
        return self.synthesis(self.mapping(z, c, truncation_psi), noise_mode)

    def layer_groups(self) -> dict[str, range]:
        """coarse / middle / fine w indices, by the resolution each layer works at (StyleGAN's split)."""
        return layer_groups_by_resolution(self.layer_res + [self.resolution])


class MinibatchStd(nn.Module):
    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = min(self.group, b)
        while b % g:
            g -= 1
        # Groups of consecutive samples, so that a batch split across processes keeps its groups.
        y = x.reshape(-1, g, c, h, w)
        y = (y - y.mean(1, keepdim=True)).square().mean(1).add(1e-8).sqrt()
        y = y.mean(dim=(1, 2, 3)).repeat_interleave(g).reshape(b, 1, 1, 1).expand(b, 1, h, w)
        return torch.cat([x, y], dim=1)


class DBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(cin, cin, 3)
        self.conv1 = EqualConv2d(cin, cout, 3, down=True)
        self.skip = EqualConv2d(cin, cout, 1, bias=False, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(F.avg_pool2d(x, 2))
        return (skip + self.conv1(self.conv0(x))) / SQRT2


class StyleDiscriminator(Staged, nn.Module):
    def __init__(self, resolution: int, width: int = 256, num_classes: int = 0, progressive: bool = False,
                 block: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.resolution = resolution
        self.block = tuple(block)
        resolutions = [2**i for i in range(int(math.log2(resolution)), 2, -1)]
        self.from_rgb = EqualConv2d(3, channels_at(resolution, width), 1)
        self.blocks = nn.Sequential(*[DBlock(channels_at(r, width), channels_at(r // 2, width)) for r in resolutions])
        c4 = channels_at(4, width)
        self.mbstd = MinibatchStd()
        self.conv = EqualConv2d(c4 + 1, c4, 3)
        self.fc = EqualLinear(c4 * self.block[0] * self.block[1], c4, act=True)
        self.out = EqualLinear(c4, 1)
        self.embed = EqualLinear(num_classes, c4) if num_classes else None
        self.num_classes = num_classes
        self._init_stages(resolution, progressive)
        self.from_rgbs = nn.ModuleDict({
            str(r): EqualConv2d(3, channels_at(r, width), 1) for r in self.stage_resolutions if r < resolution
        }) if progressive else None

    def trunk_blocks(self) -> list[list[nn.Module]]:
        """The blocks from the image inwards (what FreezeD freezes the first K of); fromRGB is part of the first."""
        return [[self.from_rgb, self.blocks[0]]] + [[b] for b in list(self.blocks)[1:]]

    def _from_rgb(self, img: torch.Tensor, res: int) -> torch.Tensor:
        return self.from_rgb(img) if res == self.resolution else self.from_rgbs[str(res)](img)

    def _trunk(self, img: torch.Tensor) -> torch.Tensor:
        if self.at_full_stage:
            return self.blocks(self.from_rgb(img))
        j = self.stage_index()  # the block that takes this stage's input
        x = self._from_rgb(img, self.stage_res)
        if self.alpha < 1.0:
            old = self._from_rgb(F.avg_pool2d(img, 2), self.stage_res // 2)
            x = torch.lerp(old, self.blocks[j](x), self.alpha)
            j += 1
        for block in list(self.blocks)[j:]:
            x = block(x)
        return x

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        x = self._trunk(img)
        x = self.conv(self.mbstd(x))
        x = self.fc(x.flatten(1))
        out = self.out(x)
        if self.embed is not None and c is not None:
            cmap = self.embed(F.one_hot(c, self.num_classes).to(x.dtype))
            out = out + (x * cmap).sum(dim=1, keepdim=True) / np.sqrt(cmap.shape[1])
        return out.squeeze(1)


def build(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    """The style model's pair (registry.py)."""
    return (StyleGenerator(spec.resolution, spec.z_dim, spec.width, spec.num_classes, progressive=spec.progressive,
                           block=spec.block),
            StyleDiscriminator(spec.resolution, spec.width, spec.num_classes, spec.progressive, spec.block))
