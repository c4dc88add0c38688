"""The window's "Start from an existing run…" (fine-tuning, FreezeD) and a progressive run's progress bar."""

from __future__ import annotations

import json
from pathlib import Path

from studio.core.training.config import TrainConfig
from studio.core.training.trainer import Trainer
from tests.ui.conftest import open_tiny


def _source_run(folder: Path, run: Path) -> Path:
    cfg = TrainConfig(data=str(folder), model="dcgan", resolution=32, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=2)
    Trainer(cfg, run).train()
    return run


def test_start_from_an_existing_run(qtbot, window, tiny_images: Path, tmp_path: Path):
    source = _source_run(tiny_images, tmp_path / "old-run")
    open_tiny(qtbot, window, tiny_images)  # DCGAN at 16 px, width 16
    tp, box = window.views.train_panel, window.views.train_panel.source_box
    # The action is in the Training menu and in the panel; both need an open folder and no training.
    menu_texts = [a.text() for m in window.menuBar().actions() if m.menu() for a in m.menu().actions()]
    assert "Start from an &existing run…" in menu_texts
    assert window.menu_actions.source.isEnabled() and box.choose_button.isVisible()
    assert not box.freeze.isEnabled()

    assert not window.start_from_run(tmp_path / "nowhere")
    assert "does not exist" in window.views.message_bar.text

    assert window.start_from_run(source)
    # The panel says what the run is and matches its network; the freeze-D box allows 0..its D blocks.
    assert "old-run: dcgan · 32 px · width 16" in box.description.text() and box.description.isVisible()
    assert tp.resolution.currentData() == 32 and tp.model.currentData() == "dcgan" and tp.width.value() == 16
    assert box.freeze.isEnabled() and box.freeze.maximum() == 3
    box.freeze.setValue(2)
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.resolution == 32, timeout=20_000)

    tp.length.setValue(3)
    window.start_training()
    worker = window.worker
    assert window.state == "loading" and not window.menu_actions.source.isEnabled()
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    assert window.training.finished_event is not None and window.training.finished_event.reason == "completed"
    cfg = json.loads((window.project.run / "config.json").read_text())
    assert cfg["freeze_d"] == 2 and cfg["init_from"]["run"] == str(source.resolve())

    # The finished run is resumable, and a resume continues its own weights: the source is locked with the
    # rest of the recipe. Unticking the resume unlocks it, and clearing it goes back to training from scratch.
    assert tp.resuming and not box.clear_button.isEnabled()
    tp.resume_box.setChecked(False)
    assert box.clear_button.isEnabled()
    box.clear_button.click()
    assert box.source is None and tp.config("x").init_from is None and tp.config("x").freeze_d == 0


def test_progressive_run_shows_its_stage(qtbot, window, tiny_images: Path):
    open_tiny(qtbot, window, tiny_images)
    tp = window.views.train_panel
    tp.resolution.setCurrentIndex(tp.resolution.findData(32))
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.resolution == 32, timeout=20_000)
    tp.progressive.setChecked(True)
    assert tp.config("x").progressive
    window.start_training()  # open_tiny left a practically endless length: the schedule takes it in kimg
    worker = window.worker
    qtbot.waitUntil(lambda: "px" in window.views.progress_panel.bar.format(), timeout=30_000)
    assert "8 px" in window.views.progress_panel.bar.format()
    grid = window.views.grid.image
    assert grid.width() == 2 + 4 * 34  # the 4x4 grid at the final 32 px, although G works at 8 px
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        window.stop_training()


def test_the_growing_box_is_off_and_says_why_for_the_quick_style_based_model(qtbot):
    # The core refuses to grow the Quick style-based model (it trains at one size); the form must not offer it.
    from studio.ui.widgets.train_panel import TrainPanel

    tp = TrainPanel()
    qtbot.addWidget(tp)
    tp.set_state("idle")
    tp.model.setCurrentIndex(tp.model.findData("dcgan"))
    tp.progressive.setChecked(True)
    assert tp.progressive.isEnabled() and tp.config("x").progressive
    tp.model.setCurrentIndex(tp.model.findData("quickstyle"))
    assert not tp.progressive.isEnabled() and not tp.progressive.isChecked()
    assert "trains at one size" in tp.progressive.toolTip()
    tp.config("x").validate()  # not the refused pair
    tp.set_state("idle")
    assert not tp.progressive.isEnabled()
    tp.model.setCurrentIndex(tp.model.findData("style"))
    assert tp.progressive.isEnabled() and "Start at" in tp.progressive.toolTip()
    tp.set_state("training")
    assert not tp.progressive.isEnabled()


def test_the_model_list_is_the_registry(qtbot, monkeypatch):
    """A model added as one registry entry is in the window's list, with its growing capability."""
    import dataclasses

    from studio.core.models.registry import ARCHITECTURES
    from studio.ui.widgets.train_panel import TrainPanel

    still = dataclasses.replace(ARCHITECTURES["dcgan"], name="still", label="Still", choice="Still (test)",
                                grows=False)
    monkeypatch.setitem(ARCHITECTURES, "still", still)
    tp = TrainPanel()
    qtbot.addWidget(tp)
    tp.set_state("idle")
    assert [tp.model.itemData(i) for i in range(tp.model.count())] == list(ARCHITECTURES)
    tp.model.setCurrentIndex(tp.model.findData("still"))
    assert tp.model.currentText() == "Still (test)" and not tp.progressive.isEnabled()
    assert "The Still model trains at one size" in tp.progressive.toolTip()
