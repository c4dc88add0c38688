"""Typed records the Trainer yields; the CLI prints them, the GUI worker turns them into signals. `Quality`
is also a row of RUN/metrics.jsonl and lives with the rows (core/formats/metrics_rows.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from studio.core.formats.metrics_rows import Quality
from studio.core.shape import CanvasShape

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
    canvas: CanvasShape | None = None  # the picture's shape (the long side is `resolution`)


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
class Paused:
    step: int


@dataclass
class Finished:
    reason: FinishReason
    step: int
    kimg: float
    checkpoint: str | None


Event = Started | Progress | Samples | Saved | Message | Quality | Paused | Finished
