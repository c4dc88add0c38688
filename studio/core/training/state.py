"""What the pieces of training share, as two typed records: where the run is (`TrainState`) and what it
trains (`Networks`: the models, their optimisers and loss scalers, the EMA, ADA and the random streams).

The step, the keeper, recovery and the quality probe each get these records (not the Trainer), so the
arrows run one way: trainer -> loop -> step/keeper/recovery/quality -> serialise -> state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from studio.core.models import ModelSpec
from studio.core.training.augment import AdaController
from studio.core.training.ema import EMA
from studio.core.training.progressive import Stage


@dataclass
class TrainState:
    """The run's position: what a checkpoint restores and progress reports."""

    step: int = 0
    nimg: int = 0  # real images shown to D so far
    train_seconds: float = 0.0  # training time over all sessions (pauses and loading excluded)
    stage: Stage = field(default_factory=lambda: Stage(0))  # progressive growing: the current stage

    @property
    def kimg(self) -> float:
        return self.nimg / 1000


@dataclass
class Networks:
    spec: ModelSpec
    G: nn.Module
    D: nn.Module
    G_ema: nn.Module  # the averaged generator: samples, snapshots, metrics and exports
    d_trainable: list[nn.Parameter]  # D's parameters minus the frozen blocks (FreezeD)
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    scaler_g: torch.amp.GradScaler
    scaler_d: torch.amp.GradScaler
    # Two random streams: `gen` is identical on every rank and draws whole-batch quantities (which images,
    # which latents), each rank keeping its slice; `gen_local` is per rank (noise, augmentation).
    gen: torch.Generator
    gen_local: torch.Generator
    ema: EMA | None
    ada: AdaController | None

    def modules(self) -> tuple[tuple[str, nn.Module], ...]:
        return (("G", self.G), ("D", self.D), ("G_ema", self.G_ema))

    def sync_without_ema(self) -> None:
        if self.ema is None:  # no averaging: the "EMA" generator is a copy of the live one
            self.G_ema.load_state_dict(self.G.state_dict())

    def weights_finite(self) -> bool:
        """One host sync: are all of G's, D's and G_ema's floating-point weights finite?"""
        flags = [torch.isfinite(t).all() for _, m in self.modules()
                 for t in m.state_dict().values() if t.is_floating_point()]
        return bool(torch.stack(flags).all())
