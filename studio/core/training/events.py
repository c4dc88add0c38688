"""Typed records the Trainer yields; the CLI prints them, the GUI worker turns them into signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

SavedKind = Literal["checkpoint", "snapshot", "best"]  # best: RUN/checkpoints/best.safetensors
MessageLevel = Literal["info", "warning", "error"]
FinishReason = Literal["completed", "stopped", "diverged"]


@dataclass
class Started:
    device: str
    total_steps: int | None
    minutes: float | None
    step: int
    dataset_size: int
    batch: int
    resumed_from: str | None = None
    batch_note: str = ""  # how the batch was chosen, for the user ("the largest that fits in 9.8 GiB free")
    model: str = ""  # the resolved model ("auto" decided) and resolution: what the estimate's figures are for
    resolution: int = 0


@dataclass
class Progress:
    step: int
    kimg: float
    total_kimg: float | None
    images_per_second: float
    elapsed: float
    eta: float | None
    fraction: float | None
    losses: dict[str, float] = field(default_factory=dict)
    augment_p: float = 0.0
    gpu_memory_mb: float | None = None
    resolution: int | None = None  # progressive runs: the stage's resolution (None: not growing)
    alpha: float | None = None  # and how far its newest block has faded in (1.0: done)


@dataclass
class Samples:
    """A fixed-seed grid, uint8 (H, W, 3)."""

    step: int
    kimg: float
    image: np.ndarray


@dataclass
class Saved:
    kind: SavedKind
    step: int
    path: str


@dataclass
class Message:
    level: MessageLevel
    text: str


@dataclass
class Quality:
    """A quality evaluation of G_ema at `step` (core.metrics), finished in the background."""

    step: int
    kimg: float
    kid: float
    kid_std: float
    fid: float
    precision: float
    recall: float
    density: float
    coverage: float
    fake_count: int
    real_count: int
    seconds: float


@dataclass
class Paused:
    step: int


@dataclass
class Finished:
    reason: FinishReason
    step: int
    kimg: float
    checkpoint: str | None


Event = Started | Progress | Samples | Saved | Message | Quality | Paused | Finished
