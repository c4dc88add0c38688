"""What to expect before pressing Start: time to a first usable sample and to the end of the run,
from a measured training speed (studio.core.speed_probe) and the run's length.

"Usable" means the grid shows the folder's colours and shapes as whole objects on its background,
not noise or texture. Observed here on twemoji-64 at 32 px (style model, CPU recipe, batch 32,
snapshots every ~7 kimg): noise and speckle up to ~14 kimg, texture blobs at ~27 kimg, solid centred
shapes from ~40 kimg, recognisable emoji-like shapes by ~130 kimg. Higher resolutions need more images
to reach the same stage (ProGAN/StyleGAN train each doubling for a similar image count), so the figure
scales with the resolution. It is a rule of thumb and the sentence says so ("about").
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.training.config import TrainConfig

FIRST_USABLE_KIMG_AT_32 = 40.0


def first_usable_kimg(resolution: int) -> float:
    return FIRST_USABLE_KIMG_AT_32 * max(1.0, resolution / 32)


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
    first = first_usable_kimg(cfg.resolution)
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
    return RunEstimate(ips, first, first * 1000 / ips, total_k, total_s)


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def describe(est: RunEstimate) -> str:
    """One or two sentences for the training panel."""
    text = (f"About {est.images_per_second:,.0f} images/s here: first usable samples after about "
            f"{duration(est.first_usable_seconds)} (~{est.first_usable_kimg:.0f} kimg)")
    if est.total_seconds is not None and est.total_kimg is not None:
        text += f"; this run: about {duration(est.total_seconds)}, {est.total_kimg:,.0f} kimg"
        if est.total_kimg < est.first_usable_kimg:
            text += " — likely too short to show much, make it longer"
    return text + "."


def describe_for(cfg: TrainConfig, dataset_size: int, device_type: str, images_per_second: float) -> str:
    """The sentence for a form's settings: resolves the automatic batch as the run will."""
    from studio.core.training.config import resolve

    batch = cfg.batch or resolve(cfg, dataset_size, device_type).batch
    return describe(estimate_run(cfg, images_per_second, batch))
