"""GAN losses on discriminator logits: logistic (non-saturating), hinge, WGAN-GP, least squares, WGAN."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from studio.core.errors import StudioError

LOSSES = ("logistic", "hinge", "wgan-gp", "lsgan", "wgan")
# Textbook name for the logistic loss (BCE with the non-saturating generator loss, Goodfellow 2014).
ALIASES = {"bce": "logistic", "nonsaturating": "logistic", "ls": "lsgan"}


def canonical_loss(name: str) -> str:
    name = ALIASES.get(name.lower(), name.lower())
    if name not in LOSSES:
        raise StudioError(f"Unknown loss '{name}': choose one of {', '.join(LOSSES)}.")
    return name


def d_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss from logits on real and fake batches (mean over the batch)."""
    if kind == "logistic":
        return F.softplus(fake).mean() + F.softplus(-real).mean()
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    if kind in ("wgan-gp", "wgan"):
        return fake.mean() - real.mean()
    if kind == "lsgan":
        return 0.5 * ((real - 1).square().mean() + fake.square().mean())
    raise StudioError(f"Unknown loss '{kind}'.")


def g_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss from the discriminator's logits on fakes."""
    if kind == "logistic":
        return F.softplus(-fake).mean()
    if kind in ("hinge", "wgan-gp", "wgan"):
        return -fake.mean()
    if kind == "lsgan":
        return 0.5 * (fake - 1).square().mean()
    raise StudioError(f"Unknown loss '{kind}'.")


def gradient_penalty(discriminator, real: torch.Tensor, fake: torch.Tensor, c, generator: torch.Generator) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): (||grad D(x_hat)|| - 1)^2 on random interpolates."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, generator=generator, dtype=real.dtype)
    x_hat = (real.detach().lerp(fake.detach(), alpha)).requires_grad_(True)
    out = discriminator(x_hat, c)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def r1_penalty(discriminator, real: torch.Tensor, c) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): squared gradient norm of D on real images, per sample, averaged."""
    x = real.detach().requires_grad_(True)
    out = discriminator(x, c)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean()
