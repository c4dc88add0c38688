"""Finds the compute devices off the GUI thread (importing torch takes a second or two), so the
window appears at once and the device list fills in when torch is ready."""

from __future__ import annotations

from PySide6.QtCore import Signal

from studio.ui.base.threads import StudioThread


class DeviceProbe(StudioThread):
    found = Signal(str, list, bool)  # what "auto" resolves to, extra (label, value) choices, has a GPU

    def run(self) -> None:
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

        self.found.emit(describe_device(auto), extra, auto.type != "cpu")
