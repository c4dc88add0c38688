"""The training form's 128 px route, as `studio train` takes it on a CPU: from 128 px up the form offers
"Train at half the size, enlarge ×2", the config it reads trains the generator at half the size with
`enlarge` 2, a run's config shows the picture it makes, and growing or fine-tuning train at the size asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.training.config import TrainConfig


@pytest.fixture
def panel(qtbot):
    from studio.ui.widgets.train_panel import TrainPanel

    p = TrainPanel()
    qtbot.addWidget(p)
    p.set_state("idle")
    return p


def test_128_px_trains_at_64_and_enlarges_unless_unticked(panel):
    panel.shape.select_resolution("1:1", 64)
    assert panel.shape.enlarge.isHidden()  # no offer below 128 px
    assert (panel.config("images").resolution, panel.config("images").enlarge) == (64, 1)
    panel.shape.select_resolution("1:1", 128)
    assert not panel.shape.enlarge.isHidden() and panel.shape.enlarge.isChecked()
    cfg = panel.config("images")
    assert (cfg.resolution, cfg.enlarge) == (64, 2)
    assert panel.trained_resolution() == 64  # what the estimate measures and the Dataset tab reads at
    panel.shape.enlarge.setChecked(False)
    cfg = panel.config("images")
    assert (cfg.resolution, cfg.enlarge) == (128, 1)
    assert panel.trained_resolution() == 128


def test_a_landscape_at_192_px_trains_at_96(panel):
    panel.shape.select_resolution("3:2", 192)
    cfg = panel.config("images")
    assert (cfg.resolution, cfg.enlarge) == (96, 2)
    assert cfg.canvas().px == "96×64 px" and panel.canvas().px == "192×128 px"


def test_growing_trains_at_the_size_asked_and_the_box_says_so(panel):
    panel.shape.select_resolution("1:1", 128)
    panel.progressive.setChecked(True)
    assert not panel.shape.enlarge.isEnabled()
    cfg = panel.config("images")
    assert (cfg.resolution, cfg.enlarge, cfg.progressive) == (128, 1, True)
    panel.progressive.setChecked(False)
    assert panel.shape.enlarge.isEnabled() and panel.config("images").enlarge == 2


def test_a_runs_config_shows_the_picture_it_makes(panel):
    panel.set_from_config(TrainConfig(data="images", model="quickstyle", resolution=64, enlarge=2))
    assert panel.canvas().px == "128 px" and panel.shape.enlarge.isChecked()
    assert (panel.config("images").resolution, panel.config("images").enlarge) == (64, 2)
    panel.set_from_config(TrainConfig(data="images", model="quickstyle", resolution=128, enlarge=1))
    assert panel.canvas().px == "128 px" and not panel.shape.enlarge.isChecked()
    assert (panel.config("images").resolution, panel.config("images").enlarge) == (128, 1)


def test_the_suggestion_ticks_it_on_a_cpu_and_not_on_a_gpu(panel, tmp_path: Path):
    sizes = [(512, 512)] * 4000
    panel.suggest_defaults(4000, sizes, gpu=True, cache=tmp_path)
    assert not panel.shape.enlarge.isChecked()
    panel.suggest_defaults(4000, sizes, gpu=False, cache=tmp_path)
    assert panel.shape.enlarge.isChecked()


def test_the_window_trains_the_half_size_generator_on_the_dataset_it_read(qtbot, window, tmp_path: Path):
    """Start in the window at 128 px on the CPU: the run's config says 64 px enlarged ×2, and the folder was
    decoded for the form at the generator's size (the trainer takes that decoding, not a second one)."""
    import json

    from PIL import Image

    from tests.ui.conftest import open_tiny, tiny_settings

    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(8):
        Image.new("RGB", (128, 128), (30 * i, 255 - 30 * i, 90)).save(folder / f"p{i}.png")
    open_tiny(qtbot, window, folder)
    tiny_settings(window, steps=2)
    tp = window.views.train_panel
    tp.shape.select_resolution("1:1", 128)
    tp.shape.enlarge.setChecked(True)
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.resolution == 64, timeout=30_000)
    window.start_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=120_000)
    cfg = TrainConfig.from_json(json.loads((window.project.run / "config.json").read_text()))
    assert (cfg.resolution, cfg.enlarge) == (64, 2)
    assert window.views.train_panel.canvas().px == "128 px"
