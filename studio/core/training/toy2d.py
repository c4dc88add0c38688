"""The 2-D mode-collapse benchmark (VEEGAN / PacGAN protocol) run with the studio's losses, so that a
regression in the training engine shows up as a number: modes recovered and % high-quality samples.

Ring: 8 Gaussians on a circle of radius 1, std 0.01. Grid: 25 Gaussians with means in {-4,-2,0,2,4}²,
std 0.05. 2,500 generated samples are scored: a sample is high quality when it lies within 3 std of the
nearest mode's mean, and a mode counts as recovered when at least one high-quality sample is nearest to it.
Points travel as (B, 2, 1, 1) tensors, so the studio's R1 and gradient-penalty code applies unchanged;
no augmentation, no EMA (the networks are judged as trained).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from studio.core.training import losses as L


@dataclass(frozen=True)
class Mixture:
    name: str
    means: torch.Tensor  # (K, 2)
    std: float

    def sample(self, n: int, g: torch.Generator) -> torch.Tensor:
        k = torch.randint(0, len(self.means), (n,), generator=g)
        return self.means[k] + self.std * torch.randn(n, 2, generator=g)


def ring(modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    angles = torch.arange(modes, dtype=torch.float32) * (2 * math.pi / modes)
    return Mixture("ring", torch.stack([radius * angles.cos(), radius * angles.sin()], dim=1), std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    ticks = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing  # {-4, -2, 0, 2, 4}
    ys, xs = torch.meshgrid(ticks, ticks, indexing="ij")
    return Mixture("grid", torch.stack([xs.flatten(), ys.flatten()], dim=1), std)


MIXTURES = {"ring": ring, "grid": grid}
# Adam betas of the toy runs where the loss's spec leaves them to the model (as for the Trainer's models):
# the 2-D MLPs use (0.5, 0.99), and WGAN-GP its paper's (0, 0.9), with which bench/mode_collapse.py measured it.
TOY_BETAS = {"wgan-gp": (0.0, 0.9)}


@dataclass
class ModeScore:
    modes: int  # recovered, of `total_modes`
    total_modes: int
    high_quality: float  # fraction of samples within 3 std of their nearest mode

    def to_json(self) -> dict:
        return asdict(self)


def score_modes(samples: torch.Tensor, mixture: Mixture, std_multiple: float = 3.0) -> ModeScore:
    d = torch.cdist(samples.float(), mixture.means)
    nearest_d, nearest = d.min(dim=1)
    good = nearest_d <= std_multiple * mixture.std
    recovered = torch.unique(nearest[good]).numel()
    return ModeScore(int(recovered), len(mixture.means), float(good.float().mean()))


class PointGenerator(nn.Module):
    def __init__(self, z_dim: int = 2, hidden: int = 128, layers: int = 3) -> None:
        super().__init__()
        dims = [z_dim] + [hidden] * layers
        body: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:], strict=True):
            body += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*body, nn.Linear(hidden, 2))
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)[:, :, None, None]


class PointDiscriminator(nn.Module):
    def __init__(self, hidden: int = 128, layers: int = 3) -> None:
        super().__init__()
        dims = [2] + [hidden] * layers
        body: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:], strict=True):
            body += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*body, nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


@dataclass
class ToyResult:
    loss: str
    mixture: str
    steps: int
    score: ModeScore
    seconds: float

    def to_json(self) -> dict:
        return {"loss": self.loss, "mixture": self.mixture, "steps": self.steps, **self.score.to_json(),
                "seconds": round(self.seconds, 2)}


def train_toy(loss: str | L.LossSpec, mixture: Mixture, steps: int = 2000, batch: int = 256, seed: int = 0,
              lr: float = 1e-3, r1_gamma: float = 0.0, samples: int = 2500, hidden: int = 128) -> ToyResult:
    """Train G and D on the mixture with one of the studio's losses (a name or a LossSpec); score 2,500
    samples of G. The loss's spec decides the optimiser, betas, penalties and clipping, as in the Trainer."""
    spec = loss if isinstance(loss, L.LossSpec) else L.loss_spec(loss)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    G, D = PointGenerator(hidden=hidden), PointDiscriminator(hidden=hidden)
    if spec.optimizer == "rmsprop":
        opt_g = torch.optim.RMSprop(G.parameters(), lr=spec.lr or lr)
        opt_d = torch.optim.RMSprop(D.parameters(), lr=spec.lr or lr)
    else:
        betas = spec.betas or TOY_BETAS.get(spec.name, (0.5, 0.99))
        opt_g = torch.optim.Adam(G.parameters(), lr=spec.lr or lr, betas=betas)
        opt_d = torch.optim.Adam(D.parameters(), lr=spec.lr or lr, betas=betas)
    t0 = time.perf_counter()
    for step in range(steps):
        real = mixture.sample(batch, g)[:, :, None, None]
        fake = G(torch.randn(batch, G.z_dim, generator=g))
        d_real, d_fake = D(real), D(fake.detach())
        loss_d = spec.d_loss(d_real, d_fake)
        if spec.gp_weight:
            loss_d = loss_d + spec.gp_weight * L.gradient_penalty(D, real, fake, None, g)
        if r1_gamma > 0 and step % 4 == 0:
            loss_d = loss_d + L.r1_penalty(D, real, None) * (r1_gamma / 2) * 4
            if spec.r2:
                loss_d = loss_d + L.r1_penalty(D, fake, None) * (r1_gamma / 2) * 4
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        if spec.clip is not None:
            with torch.no_grad():
                for p in D.parameters():
                    p.clamp_(-spec.clip, spec.clip)
        loss_g = spec.g_loss(D(fake), D(real).detach() if spec.g_needs_real else None)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    with torch.no_grad():
        points = G(torch.randn(samples, G.z_dim, generator=g)).flatten(1)
    return ToyResult(spec.name, mixture.name, steps, score_modes(points, mixture), time.perf_counter() - t0)
