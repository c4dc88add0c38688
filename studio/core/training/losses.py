"""The GAN losses, one `LossSpec` each: the only place a loss is described.

A spec says everything the rest of the studio needs to know about a loss: its two terms on the
discriminator's logits, the regularisation it wants (R1 on reals, R2 on fakes, the WGAN gradient penalty),
weight clipping, its optimiser and betas, and whether the discriminator may use normalisation layers.
The trainer, the 2-D benchmark (toy2d.py), fine-tuning, the window's loss list and `studio train --loss`
all read `LOSS_SPECS`. Adding a loss is one `LossSpec` appended to `LOSS_SPECS` (and its test).

This module imports no torch at import time (`studio --help` lists the losses without loading it): the
`torch` and `F` names below are stand-ins that become the real modules the first time a loss is computed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch
    import torch.nn.functional as F
else:
    class _OnFirstUse:
        """A module imported the first time one of its attributes is read (then it replaces this stand-in)."""

        def __init__(self, name: str, alias: str) -> None:
            self._name, self._alias = name, alias

        def __getattr__(self, attr: str):
            module = importlib.import_module(self._name)
            globals()[self._alias] = module
            return getattr(module, attr)

    torch = _OnFirstUse("torch", "torch")
    F = _OnFirstUse("torch.nn.functional", "F")

# R1's default for a loss: "auto" (StyleGAN2-ADA's γ heuristic on the style model; 0 on DCGAN),
# "off" (0 unless the run sets --r1-gamma), "never" (always 0: the loss has its own Lipschitz control).
R1Default = Literal["auto", "off", "never"]
OptimizerName = Literal["adam", "rmsprop"]


@dataclass(frozen=True)
class LossSpec:
    name: str  # what configs, checkpoints and `--loss` say; never renamed
    label: str  # what the window shows
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (D(real), D(fake)) -> scalar
    g_loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]  # (D(fake), D(real) or None) -> scalar
    help: str = ""  # one sentence for tooltips and `--help`
    g_needs_real: bool = False  # g_loss reads D(real) (relativistic losses); otherwise it gets None
    r1: R1Default = "off"
    r2: bool = False  # R2 (zero-centred, on fakes) with R1's γ, in R1's lazy step
    gp_weight: float = 0.0  # WGAN-GP (on real/fake interpolates) weight, every discriminator step
    clip: float | None = None  # clamp D's weights to ±clip after each of its steps
    optimizer: OptimizerName = "adam"
    lr: float | None = None  # a fixed learning rate for both networks (None: the run's)
    betas: tuple[float, float] | None = None  # Adam betas (None: the model's defaults in config.resolve)
    d_norm: bool = True  # the DCGAN discriminator may use BatchNorm (a per-sample penalty forbids it)
    aliases: tuple[str, ...] = ()


# ------------------------------------------------------------------ the terms
def _logistic_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(fake).mean() + F.softplus(-real).mean()


def _logistic_g(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    return F.softplus(-fake).mean()


def _hinge_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def _wasserstein_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return fake.mean() - real.mean()


def _critic_g(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """Hinge and Wasserstein generators raise the critic's score of fakes."""
    return -fake.mean()


def _least_squares_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((real - 1).square().mean() + fake.square().mean())


def _least_squares_g(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    return 0.5 * (fake - 1).square().mean()


def _relativistic_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(fake - real).mean()


def _relativistic_g(fake: torch.Tensor, real: torch.Tensor | None) -> torch.Tensor:
    assert real is not None, "the relativistic generator loss needs D(real)"
    return F.softplus(real - fake).mean()


LOSS_SPECS: tuple[LossSpec, ...] = (
    LossSpec("logistic", "Logistic (non-saturating)", _logistic_d, _logistic_g,
             help="the StyleGAN default and a safe choice (Goodfellow 2014, non-saturating)",
             r1="auto", aliases=("bce", "nonsaturating")),
    LossSpec("hinge", "Hinge", _hinge_d, _critic_g, help="the margin loss of SAGAN and BigGAN"),
    LossSpec("wgan-gp", "WGAN-GP", _wasserstein_d, _critic_g,
             help="Wasserstein critic with a gradient penalty (Gulrajani et al. 2017)",
             r1="never", gp_weight=10.0, d_norm=False),
    LossSpec("lsgan", "Least squares", _least_squares_d, _least_squares_g,
             help="least-squares GAN (Mao et al. 2017)", aliases=("ls",)),
    # Arjovsky et al. found momentum-based optimisers unstable with weight clipping: RMSprop.
    LossSpec("wgan", "WGAN (weight clipping)", _wasserstein_d, _critic_g,
             help="the original Wasserstein GAN (Arjovsky et al. 2017)",
             r1="never", clip=0.01, optimizer="rmsprop", lr=5e-5),
    # Jolicoeur-Martineau 2019: D judges whether a real picture looks more real than a fake one; no penalty,
    # so D may keep its BatchNorm. Added as the issue-16 demonstration that a new loss is one entry here.
    LossSpec("rsgan", "Relativistic (RSGAN)", _relativistic_d, _relativistic_g,
             help="relativistic standard GAN, no penalties (Jolicoeur-Martineau 2019)", g_needs_real=True),
    # R3GAN (Huang et al. 2024): the relativistic pairing loss with zero-centred R1 and R2, Adam β1 = 0,
    # no normalisation layers in D.
    LossSpec("rpgan", "Relativistic pairing + R1/R2", _relativistic_d, _relativistic_g,
             help="relativistic pairing loss with R1 and R2 (R3GAN, Huang et al. 2024)",
             g_needs_real=True, r1="auto", r2=True, betas=(0.0, 0.99), d_norm=False),
)
LOSSES: tuple[str, ...] = tuple(s.name for s in LOSS_SPECS)
ALIASES: dict[str, str] = {a: s.name for s in LOSS_SPECS for a in s.aliases}


def canonical_loss(name: str) -> str:
    name = ALIASES.get(name.lower(), name.lower())
    if name not in LOSSES:
        raise StudioError(f"Unknown loss '{name}': choose one of {', '.join(LOSSES)}.")
    return name


def loss_spec(name: str) -> LossSpec:
    """The spec of a loss by its name or an alias; a clear StudioError for an unknown one."""
    return LOSS_SPECS[LOSSES.index(canonical_loss(name))]


def d_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss from logits on real and fake batches (mean over the batch)."""
    return loss_spec(kind).d_loss(real, fake)


def g_loss(kind: str, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """Generator loss from the discriminator's logits on fakes (and on reals, for relativistic losses)."""
    return loss_spec(kind).g_loss(fake, real)


# ------------------------------------------------------------------ regularisers
def input_gradient(discriminator, x: torch.Tensor, c) -> torch.Tensor:
    """d D(x) / d x per sample, kept in the graph so that a penalty on it trains D.

    `grad_outputs=ones_like(out)` rather than `out.sum()`: the same gradient, in the form that is also
    correct on Apple's MPS backend."""
    out = discriminator(x, c)
    (grad,) = torch.autograd.grad(outputs=out, inputs=x, grad_outputs=torch.ones_like(out), create_graph=True)
    return grad


def gradient_penalty(discriminator, real: torch.Tensor, fake: torch.Tensor, c, generator: torch.Generator) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): (||grad D(x_hat)|| - 1)^2 on random interpolates."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, generator=generator, dtype=real.dtype)
    x_hat = (real.detach().lerp(fake.detach(), alpha)).requires_grad_(True)
    grad = input_gradient(discriminator, x_hat, c)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def r1_penalty(discriminator, real: torch.Tensor, c) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): squared gradient norm of D on real images, per sample, averaged.
    On fakes instead of reals, the same function is R2."""
    x = real.detach().requires_grad_(True)
    grad = input_gradient(discriminator, x, c)
    return grad.square().sum(dim=tuple(range(1, grad.dim()))).mean()
