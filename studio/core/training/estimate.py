"""What to expect before pressing Start: time to recognisable samples and to the end of the run, from a
measured training speed (studio.core.speed_probe, or the run's own images/s once it trains) and the run's length.
The recognisable point, its wording and the "too short" rule are recognisable.py's, as the suggestion's.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.training.config import TrainConfig
from studio.core.training.recognisable import (
    duration,
    recognisable_after,
    recognisable_kimg,
    recognisable_seconds,
    too_short,
)

__all__ = ["RunEstimate", "describe", "describe_for", "duration", "estimate_run", "first_usable_kimg", "images",
           "recognisable_progress"]


def first_usable_kimg(resolution: int, model: str = "style") -> float:
    """kimg to recognisable samples for this model and resolution (measured; see the module docstring)."""
    return recognisable_kimg(model, resolution)


@dataclass(frozen=True)
class RunEstimate:
    images_per_second: float
    first_usable_kimg: float
    first_usable_seconds: float
    total_kimg: float | None  # None when the run's length is not known (e.g. stopped by hand)
    total_seconds: float | None


def estimate_run(cfg: TrainConfig, images_per_second: float, batch: int) -> RunEstimate:
    """`batch` is the batch the run will use (the resolved one, for runs given in steps)."""
    ips = max(images_per_second, 1e-6)
    # Counted in pixels: a non-square picture as the square of the same area (24×16 ~ 20 px).
    first = first_usable_kimg(cfg.canvas().area_side, cfg.model)
    if cfg.minutes is not None:
        total_s = cfg.minutes * 60
        total_k = ips * total_s / 1000
    elif cfg.kimg is not None:
        total_k = cfg.kimg
        total_s = total_k * 1000 / ips
    elif cfg.steps is not None:
        total_k = cfg.steps * batch / 1000
        total_s = total_k * 1000 / ips
    else:
        total_k = total_s = None
    return RunEstimate(ips, first, recognisable_seconds(first, ips), total_k, total_s)


def images(kimg: float) -> str:
    """An estimated count of images (given in the core's thousands, kimg) in words an artist reads, rounded as
    an estimate deserves: "640 images", "2.5k images", "36k images"."""
    if kimg < 1:
        return f"{kimg * 1000:,.0f} images"
    return f"{kimg:.1f}k images" if kimg < 10 else f"{kimg:,.0f}k images"


def describe(est: RunEstimate) -> str:
    """One or two sentences for the training panel (counts in images; kimg is for tooltips and the CLI)."""
    text = (f"About {est.images_per_second:,.0f} images/s here: "
            f"{recognisable_after(est.first_usable_seconds)} (~{images(est.first_usable_kimg)})")
    if est.total_seconds is not None and est.total_kimg is not None:
        text += f"; this run: about {duration(est.total_seconds)}, {images(est.total_kimg)}"
        if too_short(est.total_seconds, est.first_usable_seconds):
            text += " — likely too short to show much, make it longer"
    return text + "."


def recognisable_progress(model: str, resolution: int, kimg: float, images_per_second: float) -> str:
    """While a run trains: when its samples should become recognisable, at the run's own measured speed
    (not the probe's few seconds before Start), or that it is past that point."""
    target = first_usable_kimg(resolution, model)
    if kimg >= target:
        return f"reached (~{images(target)})"
    if images_per_second <= 0:
        return f"at ~{images(target)}"
    return f"in about {duration((target - kimg) * 1000 / images_per_second)} (~{images(target)})"


def describe_for(cfg: TrainConfig, dataset_size: int, device_type: str, images_per_second: float) -> str:
    """The sentence for a form's settings: resolves the automatic batch as the run will."""
    from studio.core.training.config import resolve

    batch = cfg.batch or resolve(cfg, dataset_size, device_type).batch
    return describe(estimate_run(cfg, images_per_second, batch))
