"""Differentiable augmentation (DiffAugment: colour, translation, cutout) applied per sample with
probability p, and the ADA controller that adapts p from the discriminator's overfitting signal.

Everything runs on the training device from the trainer's own generator, so runs are reproducible.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _mask(b: int, p: torch.Tensor, g: torch.Generator, x: torch.Tensor) -> torch.Tensor:
    return (torch.rand(b, 1, 1, 1, device=x.device, generator=g) < p).to(x.dtype)


def augment(x: torch.Tensor, p: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Augment a batch in [-1, 1]; each op is applied to each sample with probability p (a 0-d tensor)."""
    b, _, h, w = x.shape
    dev, dt = x.device, x.dtype

    def rand(*shape):
        return torch.rand(*shape, device=dev, generator=g, dtype=dt)

    # Colour: brightness, saturation, contrast.
    x = x + _mask(b, p, g, x) * (rand(b, 1, 1, 1) - 0.5)
    m = _mask(b, p, g, x)
    mean = x.mean(dim=1, keepdim=True)
    x = mean + (x - mean) * (1 + m * (rand(b, 1, 1, 1) * 2 - 1))
    m = _mask(b, p, g, x)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = mean + (x - mean) * (1 + m * (rand(b, 1, 1, 1) - 0.5))

    # Translation by up to 1/8 of the image, zero padded.
    m = _mask(b, p, g, x).view(b, 1, 1)
    sx, sy = max(1, h // 8), max(1, w // 8)
    tx = (torch.randint(-sx, sx + 1, (b, 1, 1), device=dev, generator=g) * m).long()
    ty = (torch.randint(-sy, sy + 1, (b, 1, 1), device=dev, generator=g) * m).long()
    gy = torch.arange(h, device=dev).view(1, h, 1)
    gx = torch.arange(w, device=dev).view(1, 1, w)
    iy = (gy + tx + 1).clamp(0, h + 1)
    ix = (gx + ty + 1).clamp(0, w + 1)
    xp = F.pad(x, [1, 1, 1, 1])
    bi = torch.arange(b, device=dev).view(b, 1, 1)
    x = xp.permute(0, 2, 3, 1)[bi, iy, ix].permute(0, 3, 1, 2)

    # Cutout of a square half the image size.
    m = _mask(b, p, g, x)
    ch, cw = h // 2, w // 2
    oy = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=dev, generator=g)
    ox = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=dev, generator=g)
    top, left = oy - ch // 2, ox - cw // 2
    inside = (gy >= top) & (gy < top + ch) & (gx >= left) & (gx < left + cw)
    hole = inside.unsqueeze(1).to(dt) * m
    return x * (1 - hole)


class AdaController:
    """ADA (Karras et al. 2020): raise p when E[sign(D(real))] exceeds the target, lower it otherwise.

    p stays on the device, so adjusting it never forces a host sync.
    """

    def __init__(self, device: torch.device, target: float = 0.6, speed_kimg: float = 20.0,
                 interval: int = 4, p: float = 0.0, reduce=None) -> None:
        self.target, self.speed_kimg, self.interval = target, speed_kimg, interval
        self.reduce = reduce  # sums a tensor over all processes in distributed runs
        self.p = torch.tensor(float(p), device=device)
        self._sign_sum = torch.zeros((), device=device)
        self._count = 0

    def observe(self, real_logits: torch.Tensor, batch: int) -> None:
        self._sign_sum += real_logits.detach().float().sign().sum()
        self._count += real_logits.shape[0]
        if self._count >= batch * self.interval:
            sign_sum, count = self._sign_sum, torch.tensor(float(self._count), device=self.p.device)
            if self.reduce is not None:  # every rank adjusts p from the same global statistic
                sign_sum, count = self.reduce(torch.stack([sign_sum, count])).unbind()
            rt = sign_sum / count
            step = count / (self.speed_kimg * 1000)
            self.p = (self.p + torch.sign(rt - self.target) * step).clamp(0.0, 1.0)
            self._sign_sum.zero_()
            self._count = 0

    def state(self) -> dict:
        return {"p": float(self.p), "sign_sum": float(self._sign_sum), "count": self._count}

    def load_state(self, s: dict) -> None:
        self.p.fill_(s["p"])
        self._sign_sum.fill_(s["sign_sum"])
        self._count = int(s["count"])


def augment_preview(images, p: float = 0.5, seed: int = 0):
    """uint8 (N, H, W, 3) images -> the same images as the discriminator sees them at probability p.

    For the GUI's augmentation preview: the same ops as training, run on the CPU from a fixed seed.
    """
    import numpy as np

    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    g = torch.Generator().manual_seed(seed)
    y = augment(x, torch.tensor(float(p)), g)
    return (y * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
