"""Opening a trained generator for exploring and exporting: a run folder or checkpoint file -> the frozen
EMA generator at its stage, checked tensor by tensor against its own model description."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import Checkpoint, check_tensors, load_checkpoint
from studio.core.models import build_models


def load_generator(path: str | Path, device: torch.device | str = "cpu") -> tuple[nn.Module, Checkpoint]:
    """The frozen EMA generator of a checkpoint, for exploring and exporting (never the live model)."""
    ckpt = load_checkpoint(Path(path))
    spec = ckpt.state.spec
    G, _ = build_models(spec)
    check_tensors(Path(path), "G_ema", ckpt.section("G_ema"), G.state_dict())
    try:
        G.load_state_dict(ckpt.section("G_ema"))
    except RuntimeError as e:
        raise StudioError(f"{Path(path).name} does not match its own model description: {e}") from None
    stage = ckpt.state.progressive
    if spec.progressive and isinstance(stage, dict):
        # A grown run is seen at its stage: the final one (α = 1) once the schedule is done; mid-schedule,
        # the current stage, enlarged (nearest) to the full size so that every image is one size.
        try:
            G.set_stage(int(stage["resolution"]), float(stage["alpha"]))
        except (KeyError, TypeError, ValueError) as e:
            raise StudioError(f"{Path(path).name} has an invalid progressive stage ({e}).") from None
        G.upsample_output = True
    G = G.to(device).eval().requires_grad_(False)
    return G, ckpt
