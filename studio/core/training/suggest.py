"""What the studio suggests for a folder on a device: model, resolution, length, augmentation, mirroring.

One rule for the window and the command line: the most pixels (up to the folder's median side) whose
*recognisable* point — the image count at which the recipe's samples score as well as a textbook DCGAN
after ten minutes (`RECOGNISABLE_KIMG`, measured by bench/quality_matrix.py, see bench/RESULTS.md) — this
device reaches within the suggested minutes at its measured speed. Never more pixels than the device can
train to something recognisable in the time it suggests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# kimg to "recognisable" (KID at or below the textbook's 10-minute KID on the same folder), per model and
# resolution, measured at 32 px on twemoji and openmoji (bench/RESULTS.md, "Minutes to recognisable"): the
# CPU recipe (no augmentation, lr 1e-3) by bench/recognisable.py, checkpoints every 6 kimg: 18 and 24 kimg,
# the larger kept; the style model from its 5-minute points (33 and 24 kimg: upper bounds). Resolutions not
# measured scale with the side (ProGAN/StyleGAN give each doubling of resolution a similar image count:
# twice the side, twice the images).
RECOGNISABLE_KIMG: dict[tuple[str, int], float] = {("dcgan", 32): 24.0, ("style", 32): 35.0}
# Speeds used when nothing was measured on this machine yet (images/s of one training process, 2 CPU
# threads / a mid-range GPU); the window replaces them with its own measurement (core.speed_probe).
TYPICAL_SPEED = {("cpu", "dcgan"): {32: 200.0, 64: 60.0, 128: 15.0},
                 ("cpu", "style"): {32: 100.0, 64: 40.0, 128: 12.0},
                 ("gpu", "dcgan"): {32: 4000.0, 64: 2000.0, 128: 800.0, 256: 250.0, 512: 60.0},
                 ("gpu", "style"): {32: 2000.0, 64: 1200.0, 128: 500.0, 256: 150.0, 512: 40.0}}
CPU_MINUTES, GPU_MINUTES = 10.0, 60.0
SMALL_FOLDER = 200  # below this, augmentation at full strength from the first step (DiffAugment)


def auto_augment(dataset_size: int, gpu: bool) -> str:
    """The augmentation `augment="auto"` resolves to. Under SMALL_FOLDER images a discriminator memorises
    the folder within minutes: DiffAugment at full strength from the first step. Larger folders: on a GPU,
    ADA (p rises only once the discriminator overfits, as long runs need); on a CPU, none: in the minutes a
    CPU run lasts the discriminator does not overfit a folder of hundreds of images, and every augmentation
    measured slowed the generator down (bench/RESULTS.md, "Recipes, screening": KID 0.173 vs 0.225 on
    twemoji, 0.209 vs 0.215 on openmoji, 0.170 vs 0.193 on the 512-image demo set at 4 CPU-minutes)."""
    if dataset_size < SMALL_FOLDER:
        return "diff"
    return "ada" if gpu else "none"


@dataclass(frozen=True)
class Suggestion:
    model: str  # "dcgan" (the Quick model) or "style"
    resolution: int
    minutes: float
    augment: str
    mirror: bool
    recognisable_minutes: float  # when samples should become recognisable at this speed
    reason: str  # one sentence for the training panel


def recognisable_kimg(model: str, resolution: int) -> float:
    known = RECOGNISABLE_KIMG.get((model, resolution))
    if known is not None:
        return known
    base = RECOGNISABLE_KIMG.get((model, 32), 40.0)
    return base * max(1.0, resolution / 32)


def typical_speed(model: str, resolution: int, gpu: bool) -> float:
    table = TYPICAL_SPEED[("gpu" if gpu else "cpu", model)]
    if resolution in table:
        return table[resolution]
    nearest = min(table, key=lambda r: abs(r - resolution))
    return table[nearest] * (nearest / resolution) ** 2


def suggest(dataset_size: int, median_side: int, gpu: bool,
            speed: Callable[[str, int], float | None] | None = None) -> Suggestion:
    """`speed(model, resolution)`: this machine's measured images/s, or None (then a typical figure)."""
    model = "style" if gpu else "dcgan"
    minutes = GPU_MINUTES if gpu else CPU_MINUTES
    cap = 512 if gpu else 128
    side = min(max(median_side, 16), cap)
    candidates = [r for r in (16, 32, 64, 128, 256, 512) if r <= side] or [16]

    def ips(res: int) -> float:
        measured = speed(model, res) if speed is not None else None
        return measured if measured else typical_speed(model, res, gpu)

    def minutes_to_recognisable(res: int) -> float:
        return recognisable_kimg(model, res) * 1000 / ips(res) / 60

    fits = [r for r in candidates if minutes_to_recognisable(r) <= minutes]
    res = max(fits) if fits else min(candidates)
    t = minutes_to_recognisable(res)
    augment = auto_augment(dataset_size, gpu)  # as config.resolve's "auto"
    reason = (f"Suggested for {dataset_size} images on {'a GPU' if gpu else 'the CPU'}: "
              f"{'Style-based' if model == 'style' else 'Quick'} model at {res} px, {minutes:g} minutes — "
              f"recognisable samples after about {max(1, round(t))} min here")
    if res < side and not gpu:
        reason += f" ({res * 2} px would need about {max(1, round(minutes_to_recognisable(res * 2)))} min)"
    return Suggestion(model, res, minutes, augment, False, t, reason + ".")
