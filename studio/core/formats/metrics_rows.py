"""The rows of RUN/metrics.jsonl as records: `LossRow` (the losses of one log interval) and `Quality` (a
quality evaluation, also an event the training loop yields) write (`to_row`) and read (`from_row`) their own
rows; `read_row` tells them apart and `RunDir.read_metrics` returns them. Torch-free."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class LossRow:
    """One metrics.jsonl row of losses: the Progress reports of one log interval, averaged. Every loss term
    the step reports is kept under its own name, so a new term is written, followed and plotted alike."""

    step: int
    kimg: float
    time: float  # training seconds
    images_per_second: float
    augment_p: float
    losses: dict[str, float] = field(default_factory=dict)
    resolution: int | None = None  # progressive runs: the stage
    alpha: float | None = None

    def to_row(self) -> dict:
        row: dict = {"step": self.step, "kimg": round(self.kimg, 4), "time": round(self.time, 3),
                     "images_per_second": round(self.images_per_second, 2), "augment_p": round(self.augment_p, 4)}
        if self.resolution is not None:
            row.update(resolution=self.resolution, alpha=round(self.alpha or 0.0, 4))
        row.update(self.losses)
        return row

    @classmethod
    def from_row(cls, row: dict) -> LossRow:
        known = {"step", "kimg", "time", "images_per_second", "augment_p", "resolution", "alpha"}
        losses = {k: float(v) for k, v in row.items() if k not in known and _number(v)}
        return cls(int(row["step"]), _float(row, "kimg"), _float(row, "time"), _float(row, "images_per_second"),
                   _float(row, "augment_p"), losses,
                   int(row["resolution"]) if _number(row.get("resolution")) else None,
                   _float(row, "alpha") if _number(row.get("alpha")) else None)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _float(row: dict, key: str, default: float = 0.0) -> float:
    v = row.get(key)
    return float(v) if _number(v) else default


def read_row(row) -> LossRow | Quality | None:
    """A metrics.jsonl row as its record (a quality evaluation has "kid"); None for one that is not ours."""
    if not isinstance(row, dict) or not _number(row.get("step")):
        return None
    return Quality.from_row(row) if _number(row.get("kid")) else LossRow.from_row(row)


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

    def to_row(self) -> dict:
        return {"step": self.step, "kimg": round(self.kimg, 4), "kid": self.kid, "kid_std": self.kid_std,
                "fid": self.fid, "precision": self.precision, "recall": self.recall, "density": self.density,
                "coverage": self.coverage, "fake_count": self.fake_count, "real_count": self.real_count,
                "metrics_seconds": round(self.seconds, 1)}

    @classmethod
    def from_row(cls, row: dict) -> Quality:
        def f(key: str) -> float:
            return _float(row, key, math.nan)

        return cls(int(row["step"]), _float(row, "kimg"), f("kid"), f("kid_std"), f("fid"), f("precision"),
                   f("recall"), f("density"), f("coverage"), int(_float(row, "fake_count")),
                   int(_float(row, "real_count")), _float(row, "metrics_seconds"))
