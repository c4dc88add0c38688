"""A checkpoint's JSON header as a typed record, checked once where it is read: what model the tensors are
(a bounded `ModelSpec`: a file from elsewhere must not make us build an absurd network before its tensors
are even compared), where the run stood, and the state that resuming restores."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.models import ModelSpec
from studio.core.models.registry import ARCHITECTURES

SPEC_LIMITS = {"resolution": (16, 1024), "z_dim": (1, 4096), "width": (1, 4096), "num_classes": (0, 10_000),
               "block_w": (3, 8), "block_h": (3, 8)}  # a checkpoint without a block is square (4×4)


def model_spec_of(name: str, raw) -> ModelSpec:
    """A model description read from the file `name`, validated; StudioError if missing or out of range."""
    names = {f.name for f in dataclasses.fields(ModelSpec)}
    if not isinstance(raw, dict) or set(raw) - names:
        raise StudioError(f"{name} has no valid model description.")
    if raw.get("name") not in ARCHITECTURES:
        raise StudioError(f"{name} describes an unknown model ({str(raw.get('name'))[:40]!r}).")
    for key, (lo, hi) in SPEC_LIMITS.items():
        v = raw.get(key, lo)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise StudioError(f"{name} has an invalid model description: {key} = {str(v)[:40]} "
                              f"(expected a whole number from {lo} to {hi}).")
    res = raw.get("resolution", 64)
    if res & (res - 1):
        raise StudioError(f"{name} has an invalid model description: resolution {res} is not a power of two.")
    if not isinstance(raw.get("d_norm", True), bool):
        raise StudioError(f"{name} has an invalid model description: d_norm must be true or false.")
    return ModelSpec(**raw)


def _count(name: str, d: dict, key: str) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise StudioError(f"{name} has no valid training position ({key}).")
    return v


def _number(d: dict, key: str) -> float:
    v = d.get(key, 0.0)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def _of_type(d: dict, key: str, kind: type):
    v = d.get(key)
    return v if isinstance(v, kind) else None


@dataclass(frozen=True)
class CheckpointState:
    spec: ModelSpec
    config: dict = field(default_factory=dict)  # the run's TrainConfig as JSON (older runs may know other settings)
    step: int = 0
    nimg: int = 0
    kimg: float = 0.0
    train_seconds: float = 0.0
    class_names: list[str] = field(default_factory=list)
    studio_version: str = ""
    ada: dict | None = None  # AdaController.state()
    progressive: dict | None = None  # the growing stage: {"resolution", "alpha"}
    grad_scale: dict | None = None  # {"d", "g"}: GradScaler states (float16 runs)
    opt_g_groups: list | None = None  # the optimisers' parameter groups (their tensors are in the file)
    opt_d_groups: list | None = None

    @property
    def model(self) -> str:
        return self.spec.name

    @property
    def resolution(self) -> int:
        return self.spec.resolution

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        canvas = [self.spec.canvas.width, self.spec.canvas.height]  # for people (and sidecars): the spec decides
        return {"studio_version": d.pop("studio_version"), "model": self.model, "resolution": self.resolution,
                "canvas": canvas, **d}

    @classmethod
    def from_json(cls, d, path: str | Path) -> CheckpointState:
        """The header of the file at `path` (named in the errors); StudioError if it is not one we can use."""
        name = Path(path).name
        if not isinstance(d, dict):
            raise StudioError(f"{name} is a safetensors file but not a GAN Studio checkpoint.")
        names = d.get("class_names")
        return cls(
            spec=model_spec_of(name, d.get("spec")),
            config=_of_type(d, "config", dict) or {},
            step=_count(name, d, "step"),
            nimg=_count(name, d, "nimg"),
            kimg=_number(d, "kimg"),
            train_seconds=_number(d, "train_seconds"),
            class_names=[str(n) for n in names] if isinstance(names, list) else [],
            studio_version=str(d.get("studio_version", ""))[:64],
            ada=_of_type(d, "ada", dict),
            progressive=_of_type(d, "progressive", dict),
            grad_scale=_of_type(d, "grad_scale", dict),
            opt_g_groups=_of_type(d, "opt_g_groups", list),
            opt_d_groups=_of_type(d, "opt_d_groups", list),
        )
