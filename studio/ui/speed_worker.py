"""Runs the core speed probe (studio.core.speed_probe) off the GUI thread (with `start_job`): the cached
figure at once when this device, torch, model and resolution were measured before, else a few seconds of
real training steps. It stops early when its job is cancelled, e.g. when a folder is opened."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.models.registry import ARCHITECTURES
from studio.ui.base.jobs import JobControl


@dataclass(frozen=True)
class SpeedMeasured:
    device: str  # the device, in words
    model: str  # the model's label
    resolution: int
    images_per_second: float
    kimg_in_10_minutes: float
    from_cache: bool


def measure_speed(job: JobControl, model: str, resolution: int, device: str = "auto", seconds: float = 1.5,
                  cache: Path | None = None, batch: int | None = None, aspect: str = "1:1",
                  width: int = 0) -> SpeedMeasured | None:
    """`batch` None and `width` 0: the recipe's automatic ones; a non-square `aspect` is measured as itself.
    Reports what is being measured, in words ("this CPU", "NVIDIA …"), before measuring; None if cancelled."""
    from studio.core.speed_probe import cached_record, device_label, kimg_in_minutes, probe_speed

    try:
        label = device_label(device)
        record = cached_record(model, resolution, device, batch, folder=cache, aspect=aspect, width=width)
        if record is not None:
            ips, from_cache = record.images_per_second, True
        else:
            job.report("this CPU" if label.startswith("CPU") else label)
            ips = probe_speed(model, resolution, device, batch, seconds=seconds, cancel=job.cancelled,
                              folder=cache, aspect=aspect, width=width)
            from_cache = False
    except InterruptedError:
        return None
    except (RuntimeError, OSError) as e:  # e.g. a GPU that is out of memory or busy: no estimate, no bug
        raise StudioError(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    name = ARCHITECTURES[model].label if model in ARCHITECTURES else model
    return SpeedMeasured(label, name, resolution, ips, kimg_in_minutes(ips, 10), from_cache)
