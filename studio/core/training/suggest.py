"""What the studio suggests for a folder on a device: model, resolution, length, augmentation, mirroring.

One rule for the window and the command line: the most pixels (up to the folder's median side) whose
*recognisable* point — the image count at which the recipe's samples score as well as a textbook DCGAN
after ten minutes (each model's `recognisable_kimg` in models/registry.py, measured by bench/quality_matrix.py,
see bench/RESULTS.md) — this device reaches within the suggested minutes at its measured speed. Never more
pixels than the device can train to something recognisable in the time it suggests. Its times and its run
length come from recognisable.py, as the estimate before Start does; `Suggestion.at_speed` re-times it at the speed
the window measures for it, so the suggestion and the estimate on one screen say one figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from studio.core.models.registry import ARCHITECTURES, architecture
from studio.core.training.recognisable import (
    recognisable_after,
    recognisable_kimg,
    recognisable_seconds,
    run_minutes,
    too_short,
)

# Each model's recognisable points (kimg to KID at or below the textbook's 10-minute KID on the same folder)
# and typical speeds live in its registry entry (models/registry.py), with how they were measured.
CPU_MINUTES, GPU_MINUTES = 10.0, 60.0
SMALLEST_SUGGESTED = 32  # px: the smallest picture the studio suggests (a slow machine gets a longer run)
SMALL_FOLDER = 200  # below this, augmentation at full strength from the first step (DiffAugment)


def auto_augment(dataset_size: int) -> str:
    """The augmentation `augment="auto"` resolves to, on every device. Under SMALL_FOLDER images a discriminator
    memorises the folder within minutes: DiffAugment at full strength from the first step. Larger folders:
    ADA, whose p starts at 0 and rises as the discriminator overfits. On a CPU no augmentation won at 4
    CPU-minutes (bench/RESULTS.md, "Recipes, screening, second sitting"), but by 10 minutes the Quick
    style-based model stalled without it, and ADA (p rising steadily to 1 by ~150 kimg) more than halved its
    KID on twemoji (41 against 96) and cut it on the demo set (76 against 99) (bench/RESULTS.md, "Fifth
    sitting"); a GPU's long runs are what ADA was made for."""
    return "diff" if dataset_size < SMALL_FOLDER else "ada"


def default_model(gpu: bool, progressive: bool = False) -> str:
    """The model `model="auto"`, the window's suggestion and its welcome speed pick for a device: the one the
    registry suggests on it (the Quick style-based model on a CPU and on a GPU; why: their
    entries in models/registry.py). A growing run whose suggested model trains at one size gets the model
    that grows fastest on the device (on a CPU the Quick DCGAN)."""
    device = "gpu" if gpu else "cpu"
    chosen = next(a for a in ARCHITECTURES.values() if device in a.suggested_on)
    if progressive and not chosen.grows:
        chosen = max((a for a in ARCHITECTURES.values() if a.grows), key=lambda a: typical_speed(a.name, 32, gpu))
    return chosen.name


ENLARGED_FROM = 128  # px: on a CPU, an automatic model asked for this long side or more trains at half of it


def cpu_enlarge(resolution: int, gpu: bool, automatic_model: bool, progressive: bool = False) -> int:
    """How many times a run's generator pictures are enlarged (Lanczos) to the size asked for: 2 on a CPU
    from 128 px up, where the automatic model trains at half the size, else 1 (trained at the size asked).

    Why: on openmoji-128 in 30 CPU-minutes, a 128 px run of the default recipe scored 0.78 of a textbook
    DCGAN's KID (both still noise), while the same default at 64 px enlarged ×2 with Lanczos scored 0.13 — and
    Lanczos beat the learned ×2 upscale on the same generator's pictures (KID 75 vs 90 ×10³; bench/RESULTS.md,
    issue 25). A chosen model (`--model`), a growing run or a GPU trains at the size asked."""
    return 2 if not gpu and automatic_model and not progressive and resolution >= ENLARGED_FROM else 1


@dataclass(frozen=True)
class Suggestion:
    model: str  # a registry name (models/registry.py), default_model's for the device
    resolution: int
    minutes: float  # the run's length: never shorter than its recognisable point (recognisable.run_minutes)
    augment: str
    mirror: bool
    recognisable_minutes: float  # when samples should become recognisable at this speed
    dataset_size: int
    gpu: bool
    size: str  # the picture, in words: "32 px", "48×32 px"
    images_per_second: float  # the speed its times come from
    measured: bool  # measured on this machine ("here"), or a typical machine's figure (and said so)
    aspect: str = "1:1"

    @property
    def usual_minutes(self) -> float:
        return GPU_MINUTES if self.gpu else CPU_MINUTES

    @property
    def where(self) -> str:
        return "here" if self.measured else f"on a typical {'GPU' if self.gpu else 'CPU'}"

    @property
    def settings(self) -> str:
        """What is suggested, with no time: "Suggested for 300 images on the CPU: Quick style-based model at
        32 px, 10 minutes." (shown once the form no longer holds the suggestion: its estimate is the form's)."""
        return (f"Suggested for {self.dataset_size} images on {'a GPU' if self.gpu else 'the CPU'}: "
                f"{architecture(self.model).label} model at {self.size}, {self.minutes:g} minutes")

    @property
    def reason(self) -> str:
        """The suggestion and when its samples become recognisable, in the words and figure of the estimate
        before Start (recognisable.recognisable_after) when both come from the same speed."""
        slow = self.minutes > self.usual_minutes
        return (self.settings + " — "
                + (f"this computer trains slower than most, so the run is longer than the usual "
                   f"{self.usual_minutes:g}: " if slow else "")
                + recognisable_after(self.recognisable_minutes * 60, self.where) + ".")

    def at_speed(self, images_per_second: float) -> Suggestion:
        """The same model and picture timed at this machine's measured speed: its recognisable point and the run's
        length (longer if this machine is slower than the size was chosen for; never too short) follow it."""
        from studio.core.shape import canvas_shape

        area_side = canvas_shape(self.aspect, self.resolution).area_side
        seconds = recognisable_seconds(recognisable_kimg(self.model, area_side), images_per_second)
        return replace(self, minutes=run_minutes(self.usual_minutes, seconds), recognisable_minutes=seconds / 60,
                       images_per_second=images_per_second, measured=True)


def typical_speed(model: str, resolution: int, gpu: bool) -> float:
    table = architecture(model).typical_speed["gpu" if gpu else "cpu"]
    if resolution in table:
        return table[resolution]
    nearest = min(table, key=lambda r: abs(r - resolution))
    return table[nearest] * (nearest / resolution) ** 2


def median_side(sizes: list[tuple[int, int]], aspect: str = "1:1") -> int:
    """The folder's median side a picture of `aspect` should not exceed: the short side for a square
    (cropping keeps it), the long side otherwise (a landscape picture's width comes from the images' widths)."""
    sides = sorted((min(w, h) if aspect == "1:1" else max(w, h)) for w, h in sizes if w > 0 and h > 0) or [64]
    return sides[len(sides) // 2]


def suggest(dataset_size: int, median_side: int, gpu: bool,
            speed: Callable[[str, int], float | None] | None = None, aspect: str = "1:1") -> Suggestion:
    """`speed(model, resolution)`: this machine's measured images/s for the `aspect`'s canvas, or None (then a
    typical figure). `median_side`: the folder's median side the picture's long side should not exceed.
    A non-square canvas counts its pixels: a 3:2 run at 48 px makes 48×32, trained as fast and recognisable
    as soon as the square of the same area (~39 px), never as a 48 px square."""
    from studio.core.shape import canvas_shape

    model = default_model(gpu)
    cap = 512 if gpu else 128
    side = min(median_side, cap)
    # Never below SMALLEST_SUGGESTED px (a 16 px picture is an icon, not an artwork): a folder of smaller
    # pictures is enlarged to it, and a slow machine gets a longer run instead (below).
    # (a shape's smallest canvas whose long side is at least that: 48×32 at 3:2, not 24×16).
    sizes = [(r, canvas_shape(aspect, r)) for r in (32, 64, 128, 256, 512)]
    floor = next((r, c) for r, c in sizes if c.long_side >= SMALLEST_SUGGESTED)
    shapes = {floor[0]: floor[1]}  # resolution -> its canvas; two resolutions making the same canvas count once
    for r, shape in sizes:
        if r > floor[0] and shape.long_side <= side and shape not in shapes.values():
            shapes[r] = shape

    def ips(res: int) -> tuple[float, bool]:
        """This machine's measured images/s for the canvas (True), or a typical machine's counted in pixels."""
        measured = speed(model, res) if speed is not None else None
        if measured:
            return measured, True
        return typical_speed(model, res, gpu) * res * res / shapes[res].pixels, False

    def seconds_to_recognisable(res: int) -> float:
        return recognisable_seconds(recognisable_kimg(model, shapes[res].area_side), ips(res)[0])

    usual = GPU_MINUTES if gpu else CPU_MINUTES
    fits = [r for r in shapes if not too_short(usual * 60, seconds_to_recognisable(r))]
    # Even the smallest picture needs longer than the usual run on a slow machine: a longer run, never a smaller
    # picture (recognisable.run_minutes).
    res = max(fits) if fits else min(shapes)
    speed_here, measured = ips(res)
    t = seconds_to_recognisable(res)
    size = f"{res} px" if shapes[res].is_square else f"{shapes[res].width}×{shapes[res].height} px"
    return Suggestion(model, res, run_minutes(usual, t), auto_augment(dataset_size),  # as config.resolve's "auto"
                      False, t / 60, dataset_size, gpu, size, speed_here, measured, aspect)
