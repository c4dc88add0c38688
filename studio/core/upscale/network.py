"""The learned upscale's network: a small residual super-resolution net (EDSR's residual blocks without
batch norm, ESPCN's sub-pixel convolution) that predicts what Lanczos misses.

    low-res uint8 ──conv──[residual blocks]──conv── 3·s² channels ──pixel shuffle ×s── residual
                                   Lanczos ×s (core.images.upscale, the export's own) ──+──> high-res

The last convolution starts at zero, so an untrained network *is* Lanczos, pixel for pixel, and training
can only move it away from Lanczos where that lowers the loss. ×2 and ×4 are separate networks (one
pixel shuffle each). The Lanczos picture is made by Pillow on the uint8 input, exactly as a Lanczos
export is, both in training (computed once per picture) and when exporting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.images import upscale

SCALES = (2, 4)


@dataclass(frozen=True)
class UpscalerSpec:
    """The network's size: what its file records and a loader rebuilds."""

    scale: int = 2
    width: int = 32  # feature channels
    blocks: int = 4  # residual blocks

    def to_json(self) -> dict:
        return {"scale": self.scale, "width": self.width, "blocks": self.blocks}

    @classmethod
    def from_json(cls, d: dict) -> UpscalerSpec:
        spec = cls(int(d["scale"]), int(d["width"]), int(d["blocks"]))
        if spec.scale not in SCALES or not 1 <= spec.width <= 256 or not 0 <= spec.blocks <= 64:
            raise ValueError(f"not an upscaler this version makes: {d}")
        return spec


class _Block(nn.Module):
    """conv-ReLU-conv added back to its input, scaled down so that a deep stack starts calm (EDSR)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.5 * self.conv2(F.relu(self.conv1(x)))


class UpscalerNet(nn.Module):
    """uint8-valued low-res pictures (as float, N 3 h w) -> the residual to add to their Lanczos ×s,
    in [0, 1] units (N 3 sh sw)."""

    def __init__(self, spec: UpscalerSpec) -> None:
        super().__init__()
        self.spec = spec
        self.head = nn.Conv2d(3, spec.width, 3, padding=1)
        self.body = nn.Sequential(*[_Block(spec.width) for _ in range(spec.blocks)])
        self.tail = nn.Conv2d(spec.width, 3 * spec.scale ** 2, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # an untrained network adds nothing: Lanczos exactly
        nn.init.zeros_(self.tail.bias)

    def forward(self, low: torch.Tensor) -> torch.Tensor:
        x = self.head(low / 255.0 - 0.5)
        x = x + self.body(x)
        return F.pixel_shuffle(self.tail(x), self.spec.scale)


def lanczos_bases(pictures: np.ndarray, scale: int) -> np.ndarray:
    """uint8 (N, h, w, 3) -> their Lanczos ×scale, uint8 (N, h·s, w·s, 3): what the network adds to."""
    return np.stack([upscale(p, scale) for p in pictures]) if len(pictures) else np.zeros(
        (0, pictures.shape[1] * scale, pictures.shape[2] * scale, 3), np.uint8)


def to_tensor(pictures: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) with values 0..255."""
    return torch.from_numpy(np.ascontiguousarray(pictures)).to(device).permute(0, 3, 1, 2).float()


def combine(base: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
    """Lanczos (0..255 float) + the network's residual (0..1 units) -> the picture in 0..1 (not clamped)."""
    return base / 255.0 + residual


@torch.no_grad()
def enlarge(net: UpscalerNet, pictures: np.ndarray, device: torch.device | str = "cpu",
            batch: int = 16) -> np.ndarray:
    """uint8 (N, h, w, 3) -> uint8 (N, h·s, w·s, 3): Lanczos plus the learned residual, rounded.

    Deterministic on a device: the network is in eval mode (it has no randomness), and cuDNN is told to
    use deterministic algorithms without benchmarking, so the same picture gives the same pixels."""
    net.eval()
    out = []
    flags = torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=True)
    with flags:
        for i in range(0, len(pictures), batch):
            low = pictures[i:i + batch]
            base = to_tensor(lanczos_bases(low, net.spec.scale), device)
            y = combine(base, net(to_tensor(low, device)))
            out.append((y * 255.0).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0,) + pictures.shape[1:], np.uint8)
