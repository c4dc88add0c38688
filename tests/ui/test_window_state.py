"""State the window shows must be the state it is in: Start is off when it cannot work (and says why),
a resume shows locked what it cannot change, a stopped run does not look busy, and a new folder does
not inherit the last one's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_tiny


def test_start_is_off_with_a_reason_on_a_folder_without_images(qtbot, window, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window.open_folder(empty)
    qtbot.waitUntil(lambda: window.views.message_bar.level == "error", timeout=20_000)
    start = window.views.train_panel.start_button
    assert not start.isEnabled()
    assert "No images found" in start.toolTip() and "No images found" in window.views.train_panel.hint.text()
    window.start_training()  # what Ctrl+Return does
    assert window.worker is None and not (window.home / "runs").exists()  # no junk run folder


def test_resume_shows_the_runs_settings_locked(qtbot, window, tmp_path: Path):
    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")
    window.open_path(run)
    tp = window.views.train_panel
    assert tp.resume_box.isChecked() and tp.start_button.text() == "Resume training"
    locked = [tp.model, tp.resolution, tp.batch, tp.seed, tp.progressive, tp.loss, tp.width, tp.run_folder]
    assert not [w for w in locked if w.isEnabled()], "a resume cannot change these"
    assert tp.length.isEnabled() and tp.length_unit.isEnabled() and tp.device.isEnabled()
    assert tp.model.currentData() == "dcgan" and tp.resolution.currentData() == 16 and tp.width.value() == 16
    assert tp.resume_note.isVisible()

    tp.resume_box.setChecked(False)  # a new run from these settings: everything is editable again
    assert tp.model.isEnabled() and tp.width.isEnabled()
    tp.model.setCurrentIndex(tp.model.findData("style"))
    tp.width.setValue(64)
    tp.resume_box.setChecked(True)  # resuming again: the form shows what will really train
    assert tp.model.currentData() == "dcgan" and tp.width.value() == 16 and not tp.model.isEnabled()


def test_a_reopened_stopped_run_does_not_look_busy(qtbot, window, tmp_path: Path):
    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")
    window.open_path(run)
    bar = window.views.progress_panel.bar
    assert bar.maximum() > 0, "a busy (animated) bar for a run nobody trains"
    assert "step 2" in bar.format()


def test_a_new_folder_starts_from_default_settings(qtbot, window, tiny_images: Path, tmp_path: Path):
    from studio.core.demo import write_demo_data

    open_tiny(qtbot, window, tiny_images)
    tp = window.views.train_panel
    tp.batch.setValue(32)
    tp.width.setValue(64)
    tp.metrics_every.setValue(0.0)
    tp.lr.setValue(0.001)
    other = write_demo_data(tmp_path / "other", count=24, size=16)
    window.open_folder(other)
    qtbot.waitUntil(lambda: window.dataset is not None, timeout=20_000)
    assert tp.batch.text() == "Auto" and tp.width.text() == "Auto" and tp.metrics_every.text() == "Auto"
    assert tp.lr.text() == "Auto"
    assert tp.device.currentData() == "cpu"  # a choice of this computer, not of the folder: kept


def test_every_state_enables_what_its_table_says(qtbot, window, tiny_images: Path):
    from studio.ui.app_state import ENABLED, AppState

    open_tiny(qtbot, window, tiny_images)
    a = window.menu_actions
    actions = {"start": a.start, "pause": a.pause, "stop": a.stop, "source": a.source, "close": a.close}
    tp = window.views.train_panel
    for state in AppState:
        window.set_state(state)
        for name, action in actions.items():
            assert action.isEnabled() == (state in ENABLED[name]), f"{name} in the {state} state"
        assert tp.start_button.isEnabled() == (state == AppState.IDLE), state
        assert tp.pause_button.isEnabled() == (state in ENABLED["pause"]), state
        assert tp.stop_button.isEnabled() == (state in ENABLED["stop"]), state
        assert tp.model.isEnabled() == (state in ENABLED["edit_settings"]), state
        assert window.views.state_label.text() == state.text
    window.set_state(AppState.IDLE)
    window.close_project()
    assert window.state == AppState.EMPTY and not window.menu_actions.close.isEnabled()  # nothing open to close


def test_a_studio_picture_opens_its_recipe_and_a_reopened_run_is_ready_in_explore(qtbot, window, tmp_path: Path):
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter
    from studio.core.formats.run import RunDir
    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")
    tab = window.explore_tab
    with qtbot.waitSignal(tab.checkpoint_opened, timeout=30_000) as opened:
        window.open_path(run)  # a run with checkpoints: Explore has its latest, without being asked
    assert opened.args[0] == str(RunDir(run).latest_checkpoint())

    png = Exporter(tmp_path / "out").save_recipe(Renderer.open(opened.args[0]), Recipe(seeds=[33], truncation=0.5),
                                                 "artwork.png")
    window.close_project()
    window.open_path(png)  # what `studio artwork.png`, File ▸ Open checkpoint or picture… and a drop do
    assert tab.model.state.w is not None  # the picture's latent is on the canvas
    assert window.views.tabs.currentWidget() is tab and window.windowTitle() == "GAN Studio — artwork.png"
    assert "is a file" not in window.views.message_bar.text


@pytest.mark.parametrize(("logged", "lost"), [(9, "(the 7 steps after it are lost)"),
                                               (3, "(the 1 step after it is lost)")])
def test_reopening_an_interrupted_run_says_what_was_kept_and_lost(qtbot, window, tmp_path: Path, logged, lost):
    import json

    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")  # its last checkpoint is at step 2
    with open(run / "metrics.jsonl", "a") as f:  # then it trained on, and was killed before a checkpoint
        f.write(json.dumps({"step": logged, "kimg": 0.04, "time": 5.0, "images_per_second": 7.0,
                            "loss_g": 1.0}) + "\n")
    window.open_path(run)
    assert window.views.message_bar.level == "warning"
    assert f"interrupted at step {logged}; resuming continues from step 2, its last checkpoint {lost}." in (
        window.views.message_bar.text)


def test_a_run_opened_before_the_explorer_loads_is_ready_in_explore(qtbot, tmp_path: Path):
    """`studio RUN`: the run opens before torch has loaded and the Explore tab exists. It used to say "The
    explorer is not part of this build." and leave Explore with no checkpoint (issue 15, defect 6, seen
    under Xvfb); the checkpoint now waits for the tab."""
    from PySide6.QtCore import QSettings

    from studio.core.formats.run import RunDir
    from studio.ui.main_window import MainWindow
    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(home=tmp_path / "home", cache=tmp_path / "cache", settings=settings, probe_devices=True)
    w.confirm_stop = lambda: True
    try:
        assert w.explore_tab is None  # added once the device probe (and torch) is done
        w.open_path(run)
        qtbot.waitUntil(lambda: w.explore_tab is not None and w.explore_tab.checkpoint is not None,
                        timeout=HANG_GUARD_MS)
        assert w.explore_tab.checkpoint == str(RunDir(run).latest_checkpoint())
        assert "not part of this build" not in w.views.message_bar.text
        assert w.views.tabs.currentWidget() is not w.explore_tab  # ready there, not switched to
        qtbot.waitUntil(lambda: w.probe is None, timeout=HANG_GUARD_MS)
    finally:
        w.close()


def test_a_new_project_dismisses_the_last_ones_messages(qtbot, window, tmp_path: Path, tiny_images: Path):
    """'No images found in …/empty' stayed on screen over the next folder, and over a run opened after it
    (session 4, Xvfb): the messages of a project go with it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    window.open_folder(empty)
    qtbot.waitUntil(lambda: "No images found" in window.views.message_bar.text, timeout=HANG_GUARD_MS)
    open_tiny(qtbot, window, tiny_images)
    assert "No images found" not in window.views.message_bar.text
