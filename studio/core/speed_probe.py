"""How fast this machine trains: a short burst of real training steps, measured, cached per
(device, torch version, model, resolution, batch, network width, and the canvas's aspect when it is not square)
in the user cache, so that the welcome view and the
time estimates before a run can say "about N images/s" without measuring twice.

    ips = probe_speed("dcgan", 64, "cpu")            # measures ~1.5 s of steps (plus set-up), caches
    ips = cached_speed("dcgan", 64, "cpu")           # the cached figure, or None; never measures
    kimg = kimg_in_minutes(ips, 10)                   # what a 10-minute run would see

The burst runs the real `Trainer` (same recipe, same automatic batch and width) on a few generated
demo images in a temporary folder, so the figure is what a run of that model would reach here, less
the GUI's small share. Call it from a background thread: it takes seconds and holds the CPU/GPU.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from studio.core.device import pick_device

CACHE_FILE = "speed-probe.json"
WARMUP_STEPS = 2  # the first steps pay for allocations and kernel selection; not timed
PROBE_IMAGES = 64
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class SpeedRecord:
    """One measurement, as stored in the cache file."""

    device: str  # a human label: "CPU: <model> (n threads)" or the GPU's name
    torch: str
    model: str
    resolution: int
    batch: int
    images_per_second: float
    seconds: float  # how long the timed part ran
    measured_at: float  # time.time()


def cache_dir() -> Path:
    """The per-user cache folder (core.places)."""
    from studio.core.places import cache_root

    return cache_root()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def device_label(device: torch.device | str) -> str:
    """What the probe ran on, in words; also part of the cache key (a new GPU or CPU is measured anew)."""
    device = pick_device(device) if isinstance(device, str) else device
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return f"Apple GPU (MPS, {platform.machine()})"
    return f"CPU: {_cpu_model()} ({torch.get_num_threads()} threads)"


def _key(label: str, model: str, resolution: int, batch: int | None, aspect: str = "1:1", width: int = 0,
         device: torch.device | str = "cpu") -> str:
    """A non-square canvas is measured apart (a 3:2 run at 48 px makes 48×32 pixels, not 48×48). The width is
    the one the run trains at (0: the recipe's automatic width on this device), so a figure measured for
    another width — an artist's own, or the automatic one of an earlier version — is not taken for it."""
    shape = "" if aspect == "1:1" else f"|{aspect}"
    trained_width = _width(model, resolution, aspect, width, device)
    return f"{label}|torch {torch.__version__}|{model}|{resolution}|{batch or 'auto'}{shape}|w{trained_width}"


def _width(model: str, resolution: int, aspect: str, width: int, device: torch.device | str) -> int:
    from studio.core.shape import canvas_shape
    from studio.core.training.config import automatic_width

    if width:
        return width
    device = pick_device(device) if isinstance(device, str) else device
    return automatic_width(model, canvas_shape(aspect, resolution).pixels ** 0.5, device.type in ("cuda", "mps"))


def _read_cache(folder: Path) -> dict:
    try:
        data = json.loads((folder / CACHE_FILE).read_text())
    except (OSError, ValueError):
        return {}  # missing or damaged: measure again
    return data if isinstance(data, dict) else {}


def _write_cache(folder: Path, key: str, record: SpeedRecord) -> None:
    with _cache_lock:
        data = _read_cache(folder)
        data[key] = asdict(record)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{CACHE_FILE}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(data, indent=1))
            os.replace(tmp, folder / CACHE_FILE)
        except OSError:
            pass  # a read-only cache only means measuring again next time


def cached_record(model: str, resolution: int, device: torch.device | str, batch: int | None = None,
                  folder: Path | None = None, aspect: str = "1:1", width: int = 0) -> SpeedRecord | None:
    """The stored measurement for this device, torch version, model, resolution, batch, aspect and width
    (0: automatic), or None."""
    key = _key(device_label(device), model, resolution, batch, aspect, width, device)
    entry = _read_cache(folder or cache_dir()).get(key)
    if not isinstance(entry, dict):
        return None
    try:
        return SpeedRecord(**entry)
    except TypeError:
        return None  # written by another version of this module


def cached_speed(model: str, resolution: int, device: torch.device | str, batch: int | None = None,
                 folder: Path | None = None, aspect: str = "1:1", width: int = 0) -> float | None:
    """Images per second from the cache, or None if this combination was never measured here."""
    record = cached_record(model, resolution, device, batch, folder, aspect, width)
    return record.images_per_second if record is not None else None


def cached_speed_at_shape(model: str, resolution: int, device: torch.device | str, aspect: str = "1:1",
                          batch: int | None = None, folder: Path | None = None, width: int = 0) -> float | None:
    """Images per second for the `aspect` canvas at `resolution` from the cache: measured at that shape, else
    the square measured at `resolution` counted in pixels (3:2 at 64 px is 48×32: 64²/(48·32) = 2.7 times the
    square's images/s, as the typical figures are counted), else None."""
    from studio.core.shape import canvas_shape

    measured = cached_speed(model, resolution, device, batch, folder, aspect, width)
    if measured is not None or aspect == "1:1":
        return measured
    # The square's figure stands in only if it was measured at the width the shape trains at.
    shape_width = _width(model, resolution, aspect, width, device)
    square = cached_speed(model, resolution, device, batch, folder, width=shape_width)
    return None if square is None else square * resolution * resolution / canvas_shape(aspect, resolution).pixels


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def measure_speed(model: str, resolution: int, device: torch.device | str, batch: int | None = None,
                  seconds: float = 1.5, cancel: Callable[[], bool] | None = None, aspect: str = "1:1",
                  width: int = 0) -> SpeedRecord:
    """Train for about `seconds` (after a short warm-up) and return the measurement; caches nothing.

    `cancel` is polled before and between all steps, warm-up included; when it returns True,
    InterruptedError is raised (a folder opened during the warm-up no longer waits for it)."""
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    device = pick_device(device) if isinstance(device, str) else device
    label = device_label(device)

    def check() -> None:
        if cancel is not None and cancel():
            raise InterruptedError("speed probe cancelled")

    with tempfile.TemporaryDirectory(prefix="gan-studio-probe-") as tmp:
        data = write_demo_data(Path(tmp) / "images", count=PROBE_IMAGES, size=resolution)
        cfg = TrainConfig(data=str(data), model=model, resolution=resolution, batch=batch or 0, aspect=aspect,
                          width=width, device=str(device), snapshot_minutes=600, checkpoint_minutes=600)
        check()  # before building the networks and reading the images, the longest part on a CPU
        trainer = Trainer(cfg, Path(tmp) / "run", device=device)
        try:
            for _ in range(WARMUP_STEPS):
                check()
                trainer.step()
            _sync(device)
            steps = 0
            t0 = time.perf_counter()
            while True:
                check()
                trainer.step()
                steps += 1
                if steps % 2 == 0 or device.type == "cpu":
                    _sync(device)
                    elapsed = time.perf_counter() - t0
                    if elapsed >= seconds:
                        break
        finally:
            trainer.close()
    return SpeedRecord(label, torch.__version__, model, resolution, trainer.batch, steps * trainer.batch / elapsed,
                       elapsed, time.time())


def probe_speed(model: str, resolution: int, device: torch.device | str, batch: int | None = None,
                seconds: float = 1.5, *, cancel: Callable[[], bool] | None = None,
                folder: Path | None = None, aspect: str = "1:1", width: int = 0) -> float:
    """Measure images per second for `model` at `resolution` on `device` (batch None: the recipe's
    automatic batch for that device; width 0: its automatic width) and remember it in the user cache;
    returns the figure."""
    record = measure_speed(model, resolution, device, batch, seconds, cancel, aspect, width)
    _write_cache(folder or cache_dir(), _key(record.device, model, resolution, batch, aspect, width, device), record)
    return record.images_per_second


def remember_run_speed(model: str, resolution: int, device: torch.device | str, images_per_second: float,
                       seconds: float, batch: int | None = None, folder: Path | None = None,
                       aspect: str = "1:1", width: int = 0) -> None:
    """A real run's own speed replaces the probe's figure for the same settings on this device (batch None:
    the automatic batch), so the next estimate starts from what training really did here rather than from
    a few seconds of steps measured while other work (e.g. reading the folder) shared the machine."""
    if images_per_second <= 0 or seconds <= 0:
        return
    device = pick_device(device) if isinstance(device, str) else device
    label = device_label(device)
    record = SpeedRecord(label, torch.__version__, model, resolution, batch or 0, images_per_second, seconds,
                         time.time())
    _write_cache(folder or cache_dir(), _key(label, model, resolution, batch, aspect, width, device), record)


def kimg_in_minutes(images_per_second: float, minutes: float) -> float:
    """Thousands of images a run of `minutes` would show the discriminator at this speed."""
    return images_per_second * minutes * 60 / 1000
