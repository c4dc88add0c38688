"""The real device probe: every other window test passes probe_devices=False (it trains for a moment to
estimate the speed). Here it runs as `studio` runs it: on this machine's devices, whatever they are."""

from __future__ import annotations

from pathlib import Path

import torch
from PySide6.QtCore import QSettings

from studio.core.device import describe_device, pick_device
from tests.conftest import HANG_GUARD_MS


def test_the_window_probes_this_machines_devices(qtbot, tmp_path: Path):
    from studio.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(home=tmp_path / "home", cache=tmp_path / "cache", settings=settings, probe_devices=True)
    qtbot.addWidget(window)
    window.speed_resolution, window.speed_seconds = 16, 0.3  # the welcome view's estimate after the probe: small
    assert window.explore_tab is None  # added once the probe reports
    window.show()
    qtbot.waitUntil(lambda: window.explore_tab is not None, timeout=HANG_GUARD_MS)

    auto = pick_device("auto")
    assert window.views.device_label.text() == f"Device: {describe_device(auto)}"
    assert window.gpu == (auto.type != "cpu")
    choices = [window.views.train_panel.device.itemData(i) for i in range(window.views.train_panel.device.count())]
    gpus = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    assert choices[:2] == ["auto", "cpu"] and all(g in choices for g in gpus), choices
    assert window.views.train_panel.device.itemText(0) == f"Auto — {describe_device(auto)}"
    # The probe then starts the welcome view's speed estimate; interrupt it as opening a folder does, and
    # let the probe and the estimate end before the window goes (the estimate itself is tested in test_help.py).
    if window.speed_worker is not None:
        window.speed_worker.cancel()
    qtbot.waitUntil(lambda: window.speed_worker is None and window.probe is None, timeout=HANG_GUARD_MS)
    window.close()  # the Explore tab's own workers end with it (the dangling-thread guard checks)
