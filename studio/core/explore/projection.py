"""Projection: find the w whose image reproduces a given picture (pixel + perceptual-ish loss, Adam)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.explore.features import FeatureSpace, to_float
from studio.core.explore.render import Recipe, Renderer
from studio.core.images import images_to_uint8, prepare_target

ProgressFn = Callable[[int, int, float], None]  # (step, steps, loss)


@dataclass
class Projection:
    ws: torch.Tensor  # [1, num_ws, w_dim]
    image: np.ndarray  # uint8 (H, W, 3)
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    cancelled: bool = False

    def recipe(self, base: Recipe | None = None) -> Recipe:
        """A recipe that reproduces the projected image exactly (the w is embedded)."""
        r = base or Recipe(seeds=[])
        return r.with_w(self.ws)


def project(renderer: Renderer, target: np.ndarray, steps: int = 300, lr: float = 0.05,
            features: FeatureSpace | None = None, perceptual_weight: float = 1.0, w_plus: bool = False,
            progress: ProgressFn | None = None, cancel: Callable[[], bool] | None = None,
            noise_mode: str = "const") -> Projection:
    """Optimise w (one w for all layers, or one per layer with w_plus) from the mean w towards `target`.

    Loss: pixel MSE plus the distance of the run's discriminator activations (see FeatureSpace);
    a cosine learning-rate ramp-down as in StyleGAN's projector. `cancel()` is checked every step.
    """
    if steps < 1 or steps > 100_000:
        raise StudioError("Projection needs from 1 to 100000 steps.")
    G, dev = renderer.G, renderer.device
    tgt = to_float(prepare_target(target, renderer.size), dev)
    feats = features or FeatureSpace(None, "pixels", dev)
    tgt_acts = feats.target_activations(tgt)
    start = renderer.w_avg.to(dev).float()
    init = start[None, None].repeat(1, renderer.num_ws if w_plus else 1, 1)
    w = init.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999))
    losses: list[float] = []
    cancelled = False
    step = 0
    with torch.enable_grad():
        for step in range(1, steps + 1):
            if cancel is not None and cancel():
                cancelled = True
                step -= 1
                break
            t = step / steps
            ramp = min(1.0, (1 - t) / 0.25)
            ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
            ramp = ramp * min(1.0, t / 0.05)
            for g in opt.param_groups:
                g["lr"] = lr * max(ramp, 0.02)
            ws = w if w_plus else w.repeat(1, renderer.num_ws, 1)
            img = G.synthesis(ws, noise_mode=noise_mode)
            loss = F.mse_loss(img, tgt) + perceptual_weight * feats.perceptual_loss(img, tgt_acts)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if progress is not None:
                progress(step, steps, losses[-1])
    with torch.no_grad():
        final = (w if w_plus else w.repeat(1, renderer.num_ws, 1)).detach()
        img = G.synthesis(final, noise_mode=noise_mode)
        image = images_to_uint8(img)[0].permute(1, 2, 0).contiguous().cpu().numpy()
    return Projection(final, image, losses, step, cancelled)


def initial_loss(renderer: Renderer, target: np.ndarray, features: FeatureSpace | None = None,
                 perceptual_weight: float = 1.0) -> float:
    """The loss at the starting point (the mean w), to compare a projection against."""
    dev = renderer.device
    tgt = to_float(prepare_target(target, renderer.size), dev)
    feats = features or FeatureSpace(None, "pixels", dev)
    with torch.no_grad():
        ws = renderer.w_avg.to(dev)[None, None].repeat(1, renderer.num_ws, 1)
        img = renderer.G.synthesis(ws, noise_mode="const")
        return float(F.mse_loss(img, tgt) + perceptual_weight * feats.perceptual_loss(img, feats.target_activations(tgt)))
