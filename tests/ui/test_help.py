"""First run and help: the welcome view's measured speed (then cached), Help → Guide and Help → About."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy
import pyqtgraph
import PySide6
import torch
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

import studio
from studio.core.speed_probe import CACHE_FILE
from studio.ui.device_probe import Devices
from tests.conftest import HANG_GUARD_MS


def test_welcome_measures_the_speed_once_then_reads_the_cache(qtbot, make_window, tmp_path: Path):
    window = make_window()
    window.speed_resolution, window.speed_seconds = 16, 0.3
    welcome = window.views.welcome
    assert "Detecting" in welcome.device_note.text()
    window._on_devices(Devices("CPU (2 threads)", (), False))  # what the device probe reports, once torch has loaded
    measured: list = []
    window.speed_worker.done.connect(measured.append)
    assert "Device: <b>CPU (2 threads)</b>" in welcome.device_note.text() and "Quick style-based model" in welcome.device_note.text()
    qtbot.waitUntil(lambda: window.speed_worker is None, timeout=HANG_GUARD_MS)
    (first,) = measured
    assert first.from_cache is False and first.images_per_second > 0
    text = welcome.speed_note.text()
    assert "On this CPU" in text and "Quick style-based model at 16 px" in text and "images/s" in text
    assert "10-minute run shows it about" in text and " images</b>" in text and "kimg" not in text
    assert re.search(r"On this CPU \([^()]+, \d+ threads\), the Quick style-based", text), text
    cached = json.loads((tmp_path / "cache" / CACHE_FILE).read_text())
    assert len(cached) == 1 and next(iter(cached.values()))["model"] == "quickstyle"
    window.close()

    # The next start shows the same figure from the cache, without measuring.
    again = make_window()
    again.speed_resolution = 16
    again._on_devices(Devices("CPU (2 threads)", (), False))
    again.speed_worker.done.connect(measured.append)
    qtbot.waitUntil(lambda: again.speed_worker is None, timeout=HANG_GUARD_MS)
    assert measured[1].from_cache is True and measured[1].images_per_second == first.images_per_second
    assert again.views.welcome.speed_note.text() == text


def test_opening_a_folder_stops_the_measurement(qtbot, window, tiny_images: Path, tmp_path: Path):
    window.speed_resolution, window.speed_seconds = 16, 60
    window._on_devices(Devices("CPU (2 threads)", (), False))
    measured: list = []
    window.speed_worker.done.connect(measured.append)
    qtbot.waitUntil(lambda: "Measuring" in window.views.welcome.speed_note.text(), timeout=HANG_GUARD_MS)
    window.open_folder(tiny_images)
    qtbot.waitUntil(lambda: window.speed_worker is None, timeout=HANG_GUARD_MS)  # interrupted (asserted below)
    assert measured == []  # never measured to the end
    assert not (tmp_path / "cache" / CACHE_FILE).exists()
    qtbot.waitUntil(lambda: window.loader is None, timeout=HANG_GUARD_MS)
    # With a project open there is nothing to measure for.
    window._on_devices(Devices("CPU (2 threads)", (), False))
    assert window.speed_worker is None


def test_about_lists_the_versions(qtbot, window):
    window.show_about()
    dialog = window.about_dialog
    qtbot.waitExposed(dialog)
    values = {name: label.text() for name, label in dialog.values.items()}
    assert values["GAN Studio"] == studio.__version__
    assert values["PyTorch"] == torch.__version__
    if torch.version.cuda is None:
        assert values["CUDA"] == "none"
    else:  # the build's CUDA version, then what it finds on this machine
        assert values["CUDA"].startswith(torch.version.cuda), values["CUDA"]
        found = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "(no CUDA GPU found)"
        assert found in values["CUDA"], values["CUDA"]
    assert values["Qt"] == qVersion() and values["PySide6"] == PySide6.__version__
    assert values["pyqtgraph"] == pyqtgraph.__version__ and values["NumPy"] == numpy.__version__
    assert values["Device (Auto)"]
    dialog.copy_button.click()
    assert f"PyTorch: {torch.__version__}" in QGuiApplication.clipboard().text()
    dialog.close()


def test_guide_opens_from_the_menu_and_the_welcome_view(qtbot, window):
    window.views.welcome.guide_button.click()
    guide = window._guide
    qtbot.waitExposed(guide)
    text = guide.browser.toPlainText()
    assert "three steps" in text and "Choose a folder of images" in text and "Ctrl+Return" in text
    guide.close()
    assert window.menu_actions.guide.shortcuts()  # F1 (the platform's help key)
    window.menu_actions.guide.trigger()
    assert guide.isVisible()  # the same window, shown again
    guide.close()
