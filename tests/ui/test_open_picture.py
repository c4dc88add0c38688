"""`studio FILE.png` (issue 27): a studio picture opened from the command line shows that picture, its ψ and,
in the training panel, the model and size of the checkpoint that made it — as File ▸ Open does, through the
same code path. Offscreen, with a real tiny checkpoint and a real export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QSettings

from pytestqt.exceptions import TimeoutError as WaitTimeout

from tests.conftest import HANG_GUARD_MS
from tests.ui.test_explore_tab import to_array


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-step Quick style-based run at 32 px."""
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    base = tmp_path_factory.mktemp("quick32")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    data = write_demo_data(base / "images", count=16, size=32)
    cfg = TrainConfig(data=str(data), model="quickstyle", resolution=32, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=2)
    Trainer(cfg, base / "run").train()
    torch.set_num_threads(n)
    return base / "run"


def test_studio_png_from_the_command_line_restores_the_picture(qtbot, quick_run: Path, tmp_path: Path):
    from studio.app import build_parser, open_requested
    from studio.core.explore.canvas import CanvasState, Pin
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter
    from studio.ui.explore.canvas_memory import save_canvas
    from studio.ui.main_window import MainWindow

    # The canvas the window showed when it was last closed: other pins, ψ 0.69.
    save_canvas(quick_run, CanvasState(pins=(Pin(5, 0.2, 0.2), Pin(6, 0.8, 0.7)), cursor=(0.3, 0.6),
                                       truncation=0.69))
    renderer = Renderer.open(quick_run, "cpu")
    png = Exporter(tmp_path / "out").save_recipe(renderer, Recipe(seeds=[33], truncation=1.0), "picture.png")
    pixels = np.asarray(Image.open(png).convert("RGB"))
    assert pixels.shape == (32, 32, 3)

    # As `studio picture.png` starts: the window first, the Explore tab once torch has loaded (the device probe).
    window = MainWindow(home=tmp_path / "home", cache=tmp_path / "cache",
                        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window.estimates = False  # no speed measurement: it trains for seconds
    window.confirm_stop = lambda: True
    qtbot.addWidget(window)
    window.show()
    open_requested(window, build_parser().parse_args([str(png)]))

    def shown() -> bool:
        tab = window.explore_tab
        return (tab is not None and tab.checkpoint is not None and tab._shown >= tab._latest
                and not tab.ui.view.image.isNull() and np.array_equal(to_array(tab.ui.view.image), pixels))

    try:
        qtbot.waitUntil(shown, timeout=HANG_GUARD_MS)
    except (AssertionError, WaitTimeout):
        tab = window.explore_tab
        seen = None if tab is None or tab.ui.view.image.isNull() else to_array(tab.ui.view.image)
        pytest.fail(f"the canvas does not show picture.png (status: {tab and tab.ui.status.text()!r}, "
                    f"differs by {None if seen is None else np.abs(seen.astype(int) - pixels).max()})")
    tab = window.explore_tab  # its checkpoint open (so the run's remembered canvas was read) and its last render in
    assert tab.ui.controls.psi() == 1.0 and tab.model.state.truncation == 1.0
    assert window.windowTitle().endswith("picture.png") and window.views.tabs.currentWidget() is tab
    tp = window.views.train_panel
    assert tp.model.currentData() == "quickstyle", tp.model.currentText()
    assert tp.resolution.currentText() == "32 px" and tp.shape_label.text() == "32×32 px"
    window.close()
