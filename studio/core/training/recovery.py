"""Recovering from NaN/Inf: a copy of the last state known to be finite, and the roll-back to it with
halved learning rates and a different random path (at most `max_recoveries` times a session)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from studio.core.training.state import Networks, TrainState


@dataclass
class GoodState:
    """Deep copies of everything a roll-back restores."""

    G: dict
    D: dict
    G_ema: dict
    opt_g: dict
    opt_d: dict
    gen: torch.Tensor
    step: int
    nimg: int
    ada: dict | None


class Recovery:
    max_recoveries = 3
    good_state_seconds = 60.0  # of training time between copies of the good state

    def __init__(self, nets: Networks, state: TrainState, seed: int) -> None:
        self.nets, self.state, self.seed = nets, state, seed
        self.base_lr_g = [g["lr"] for g in nets.opt_g.param_groups]
        self.base_lr_d = [g["lr"] for g in nets.opt_d.param_groups]
        self.recoveries = 0
        self.good: GoodState | None = None

    @property
    def exhausted(self) -> bool:
        return self.recoveries > self.max_recoveries

    def remember(self) -> None:
        """Copy the current state as the one to roll back to."""
        n, s = self.nets, self.state
        self.good = GoodState(
            G=copy.deepcopy(n.G.state_dict()), D=copy.deepcopy(n.D.state_dict()),
            G_ema=copy.deepcopy(n.G_ema.state_dict()),
            opt_g=copy.deepcopy(n.opt_g.state_dict()), opt_d=copy.deepcopy(n.opt_d.state_dict()),
            gen=n.gen.get_state(), step=s.step, nimg=s.nimg,
            ada=n.ada.state() if n.ada is not None else None,
        )

    def roll_back(self) -> str:
        """Restore the last finite state and halve the learning rates; returns a message for the user."""
        snap, n = self.good, self.nets
        assert snap is not None
        lr_before = [g["lr"] for g in n.opt_g.param_groups]
        n.G.load_state_dict(snap.G)
        n.D.load_state_dict(snap.D)
        n.G_ema.load_state_dict(snap.G_ema)
        n.opt_g.load_state_dict(snap.opt_g)
        n.opt_d.load_state_dict(snap.opt_d)
        for opt, base in ((n.opt_g, self.base_lr_g), (n.opt_d, self.base_lr_d)):
            for g, lr in zip(opt.param_groups, base, strict=True):
                g["lr"] = lr * 0.5**self.recoveries
        n.gen.set_state(snap.gen)
        n.gen.manual_seed(self.seed + 7919 * self.recoveries)  # a different path this time
        self.state.step, self.state.nimg = snap.step, snap.nimg
        if n.ada is not None and snap.ada:
            n.ada.load_state(snap.ada)
        return (f"Losses became NaN/Inf: rolled back to step {self.state.step} and halved the learning rate "
                f"({lr_before[0]:.2g} -> {n.opt_g.param_groups[0]['lr']:.2g}); "
                f"recovery {self.recoveries} of {self.max_recoveries}.")
