"""Finds the compute devices off the GUI thread (importing torch takes a second or two), so the
window appears at once and the device list fills in when torch is ready. Run it with `start_job`."""

from __future__ import annotations

from dataclasses import dataclass

from studio.ui.base.jobs import JobControl


@dataclass(frozen=True)
class Devices:
    auto: str  # what "auto" resolves to, in words
    extra: tuple[tuple[str, str], ...]  # further (label, value) choices
    gpu: bool  # this machine has a GPU


def probe_devices(job: JobControl) -> Devices:
    import torch

    from studio.core.device import describe_device, pick_device

    auto = pick_device("auto")
    extra: list[tuple[str, str]] = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            extra.append((f"GPU {i}: {torch.cuda.get_device_name(i)}", f"cuda:{i}"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        extra.append(("Apple GPU (MPS)", "mps"))
    # Importing the trainer now (in this thread) spares the GUI thread that wait when training starts.
    import studio.core.explore.render  # noqa: F401
    import studio.core.training.trainer  # noqa: F401

    return Devices(describe_device(auto), tuple(extra), auto.type != "cpu")
