"""Exponential moving average of the generator's weights, with StyleGAN's half-life and ramp-up."""

from __future__ import annotations

import torch
import torch.nn as nn


class EMA:
    def __init__(self, model: nn.Module, ema_model: nn.Module, half_life_kimg: float, rampup: float | None = 0.05) -> None:
        self.model, self.ema_model = model, ema_model
        self.half_life_kimg, self.rampup = half_life_kimg, rampup
        self._params = list(model.parameters())
        self._ema_params = list(ema_model.parameters())
        self._buffers = list(model.buffers())
        self._ema_buffers = list(ema_model.buffers())

    @torch.no_grad()
    def update(self, batch: int, nimg: int) -> None:
        half_life = self.half_life_kimg * 1000
        if self.rampup is not None:
            half_life = min(half_life, nimg * self.rampup)
        beta = 0.5 ** (batch / max(half_life, 1e-8))
        torch._foreach_lerp_(self._ema_params, self._params, 1.0 - beta)
        for b_ema, b in zip(self._ema_buffers, self._buffers, strict=True):
            b_ema.copy_(b)
