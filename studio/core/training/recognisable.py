"""When a run's samples become recognisable at a speed: the one figure the suggestion and the estimate before
Start both say, so that one screen never shows two (torch-free).

"Recognisable" is a number, not a look: the image count at which the recipe's samples score a KID at or below a
textbook DCGAN's after ten minutes on the same folder (each model's `recognisable_kimg` in core/models/registry.py,
measured by bench/quality_matrix.py; the figures and their spread are in bench/RESULTS.md).
"""

from __future__ import annotations

import math

from studio.core.models.registry import architecture


def recognisable_kimg(model: str, resolution: int) -> float:
    """Measured where measured; resolutions not measured scale with the side from 32 px (ProGAN/StyleGAN give
    each doubling of resolution a similar image count: twice the side, twice the images)."""
    points = architecture(model).recognisable_kimg
    known = points.get(resolution)
    if known is not None:
        return known
    base = points.get(32, 40.0)
    return base * max(1.0, resolution / 32)


def recognisable_seconds(kimg: float, images_per_second: float) -> float:
    """Seconds of training until `kimg` thousand images at this speed."""
    return kimg * 1000 / max(images_per_second, 1e-6)


def too_short(run_seconds: float, seconds_to_recognisable: float) -> bool:
    """A run that ends before its samples become recognisable: the estimate says so, and a suggestion never is."""
    return run_seconds < seconds_to_recognisable


def run_minutes(usual: float, seconds_to_recognisable: float) -> float:
    """A run's suggested length: the usual minutes when they reach recognisable samples, else past the
    recognisable point by a quarter, in whole 5 minutes (a figure an artist can plan with) — never too short."""
    if not too_short(usual * 60, seconds_to_recognisable):
        return usual
    return float(5 * math.ceil(seconds_to_recognisable / 60 * 1.25 / 5))


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def recognisable_after(seconds: float, where: str = "") -> str:
    """"recognisable samples after about 8 min here" (`where`: "here" for a speed measured on this machine,
    "on a typical CPU" before it is; "" where the sentence has said it)."""
    return f"recognisable samples after about {duration(seconds)}" + (f" {where}" if where else "")
