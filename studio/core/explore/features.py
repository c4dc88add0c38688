"""Perceptual-ish image features without downloads: the run's own trained discriminator, or pixels.

Used by the memorisation check (nearest training images) and by projection's perceptual loss.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import load_checkpoint
from studio.core.models import build_models

FEATURE_KINDS = ("auto", "discriminator", "pixels")


def load_discriminator(checkpoint: str | Path, device: torch.device | str = "cpu") -> nn.Module | None:
    """The trained D of a checkpoint (frozen), or None when the checkpoint holds no D."""
    ckpt = load_checkpoint(Path(checkpoint))
    tensors = ckpt.section("D")
    if not tensors:
        return None
    try:
        _, D = build_models(ckpt.state.spec)
        D.load_state_dict(tensors)
    except (KeyError, TypeError, RuntimeError):
        return None
    return D.to(device).eval().requires_grad_(False)


def to_float(images: np.ndarray | torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 NHWC (or HWC) -> float NCHW in [-1, 1]."""
    t = torch.from_numpy(np.array(images, dtype=np.uint8, copy=True)) if isinstance(images, np.ndarray) else images
    if t.dim() == 3:
        t = t[None]
    return t.to(device).permute(0, 3, 1, 2).float() / 127.5 - 1


def d_activations(D: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Activations of D's convolutional trunk at each scale (before any batch statistics or logits)."""
    acts: list[torch.Tensor] = []
    if hasattr(D, "from_rgb") and hasattr(D, "blocks"):  # style discriminator
        h = D.from_rgb(x)
        acts.append(h)
        for block in D.blocks:
            h = block(h)
            acts.append(h)
    elif hasattr(D, "features"):  # DCGAN discriminator
        h = x
        for layer in D.features:
            h = layer(h)
            if isinstance(layer, nn.LeakyReLU):
                acts.append(h)
    else:
        raise StudioError("This discriminator has no known feature layers.")
    return acts


class FeatureSpace:
    """Maps images to unit feature vectors; cosine distance between them approximates perceptual distance."""

    def __init__(self, D: nn.Module | None, kind: str = "auto", device: torch.device | str = "cpu") -> None:
        if kind not in FEATURE_KINDS:
            raise StudioError(f"Unknown feature space '{kind}': choose one of {', '.join(FEATURE_KINDS)}.")
        if kind == "discriminator" and D is None:
            raise StudioError("This checkpoint has no discriminator, so only pixel features are available.")
        self.D = D if kind != "pixels" else None
        self.kind = "discriminator" if self.D is not None else "pixels"
        self.device = torch.device(device)

    @torch.no_grad()
    def __call__(self, images: np.ndarray | torch.Tensor, batch: int = 256) -> torch.Tensor:
        x = to_float(images, self.device) if isinstance(images, np.ndarray) or images.dtype == torch.uint8 else images
        out = []
        for chunk in x.split(batch):
            out.append(self._features(chunk))
        return torch.cat(out)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        thumb = F.adaptive_avg_pool2d(x, 16).flatten(1)
        parts = [thumb / (thumb.norm(dim=1, keepdim=True) + 1e-8)]
        if self.D is not None:
            for a in d_activations(self.D, x)[1:]:
                # Channel-normalised, as LPIPS does, so no single layer's scale dominates.
                a = a / (a.norm(dim=1, keepdim=True) + 1e-8)
                a = F.adaptive_avg_pool2d(a, min(4, a.shape[-1])).flatten(1)
                parts.append(a / (a.norm(dim=1, keepdim=True) + 1e-8))
        f = torch.cat(parts, 1)
        return f / (f.norm(dim=1, keepdim=True) + 1e-8)

    def perceptual_loss(self, x: torch.Tensor, target_acts: list[torch.Tensor] | None) -> torch.Tensor:
        """Differentiable distance of images x [-1, 1] to the target's D activations (0 with no D)."""
        if self.D is None or target_acts is None:
            return x.new_zeros(())
        loss = x.new_zeros(())
        for a, t in zip(d_activations(self.D, x), target_acts, strict=True):
            a = a / (a.norm(dim=1, keepdim=True) + 1e-8)
            loss = loss + (a - t).square().sum(1).mean()
        return loss

    @torch.no_grad()
    def target_activations(self, x: torch.Tensor) -> list[torch.Tensor] | None:
        if self.D is None:
            return None
        return [a / (a.norm(dim=1, keepdim=True) + 1e-8) for a in d_activations(self.D, x)]
