"""Runs the core speed probe (studio.core.speed_probe) off the GUI thread: the cached figure at once
when this device, torch, model and resolution were measured before, else a few seconds of real
training steps. It stops early when asked (requestInterruption), e.g. when a folder is opened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.core.models.registry import ARCHITECTURES
from studio.ui.base.threads import StudioThread



class SpeedWorker(StudioThread):
    measuring = Signal(str)  # what is being measured, in words ("this CPU", "NVIDIA …")
    measured = Signal(str, str, int, float, float)  # device, model label, resolution, images/s, kimg in 10 min
    failed = Signal(str)

    def __init__(self, model: str, resolution: int, device: str = "auto", seconds: float = 1.5,
                 cache: Path | None = None, parent: QObject | None = None, batch: int | None = None,
                 aspect: str = "1:1", width: int = 0) -> None:
        super().__init__(parent)
        self.width = width  # 0: the recipe's automatic width
        self.aspect = aspect  # a non-square canvas is measured as itself (its pixels, not its long side's square)
        self.batch = batch  # None: the recipe's automatic batch
        self.model = model
        self.resolution = resolution
        self.device = device
        self.seconds = seconds
        self.cache = cache
        self.from_cache: bool | None = None  # known once `measured` is emitted
        self.images_per_second: float | None = None

    def run(self) -> None:
        from studio.core.errors import StudioError
        from studio.core.speed_probe import cached_record, device_label, kimg_in_minutes, probe_speed

        try:
            label = device_label(self.device)
            record = cached_record(self.model, self.resolution, self.device, self.batch, folder=self.cache,
                                   aspect=self.aspect, width=self.width)
            if record is not None:
                ips, self.from_cache = record.images_per_second, True
            else:
                self.measuring.emit("this CPU" if label.startswith("CPU") else label)
                ips = probe_speed(self.model, self.resolution, self.device, self.batch, seconds=self.seconds,
                                  cancel=self.isInterruptionRequested, folder=self.cache, aspect=self.aspect,
                                  width=self.width)
                self.from_cache = False
        except InterruptedError:
            return
        except (StudioError, RuntimeError, OSError) as e:  # e.g. a GPU that is out of memory or busy
            self.failed.emit(str(e).splitlines()[0] if str(e) else type(e).__name__)
            return
        self.images_per_second = ips
        name = ARCHITECTURES[self.model].label if self.model in ARCHITECTURES else self.model
        self.measured.emit(label, name, self.resolution, ips, kimg_in_minutes(ips, 10))
