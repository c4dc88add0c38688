"""Choosing the compute device: CUDA, then Apple MPS, then CPU, always overridable."""

from __future__ import annotations

import os

import torch

from studio.core.errors import StudioError
from studio.core.names import DEVICE_CHOICES


def pick_device(name: str = "auto") -> torch.device:
    """Return the device for `name` ("auto" prefers CUDA, then MPS, then CPU)."""
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise StudioError("CUDA was asked for, but no CUDA GPU is available on this machine.")
        return torch.device(name)
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise StudioError("Apple MPS was asked for, but it is not available on this machine.")
        return torch.device("mps")
    if name == "cpu":
        return torch.device("cpu")
    raise StudioError(f"Unknown device '{name}'. Choose one of: {', '.join(DEVICE_CHOICES)}.")


def describe_device(device: torch.device) -> str:
    """A short human name for the device: the GPU's name, 'Apple GPU (MPS)' or 'CPU'."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def training_threads(requested: int = 0, cores: int | None = None) -> int:
    """Intra-op threads for CPU training: `requested` when given, else one per available core.

    Measured here (bench/cpu_threads.py, bench/RESULTS.md "CPU threads"): see there for why."""
    if requested > 0:
        return requested
    return cores or available_cores()
