"""The window trains for real on a tiny folder: curves and grids arrive, pause/resume/stop work,
closing mid-training saves a checkpoint, and a run can be reopened, compared and resumed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from studio.core.formats.run import RunDir
from studio.core.training.events import Finished, Paused, Progress, Started
from studio.ui.worker import LiveSamples
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import event, open_tiny


def _bytes(image: QImage) -> bytes:
    return bytes(image.constBits())


def test_training_updates_curves_and_grid_then_stop_saves_a_resumable_checkpoint(qtbot, window, tiny_images: Path):
    open_tiny(qtbot, window, tiny_images)
    assert window.views.dataset_panel.count.text().startswith("24 used")
    window.start_training()
    worker = window.worker
    with qtbot.waitSignal(worker.yielded, timeout=30_000, check_params_cb=event(LiveSamples)) as blocker:
        pass
    assert blocker.args[0].image.width() > 16  # a QImage grid, made in the training thread
    qtbot.waitSignal(worker.yielded, timeout=30_000, check_params_cb=event(Progress)).wait()
    qtbot.waitUntil(lambda: window.views.loss_plot.point_count("loss_g") >= 3, timeout=20_000)
    first, seen = QImage(window.views.grid.image), window.views.grid.updates
    qtbot.waitUntil(lambda: window.views.grid.updates >= seen + 2, timeout=20_000)
    assert _bytes(window.views.grid.image) != _bytes(first), "the live grid never changed"
    window.views.loss_plot.flush()
    x, y = window.views.loss_plot.ensure_chart().curves["loss_g"].getData()
    assert x is not None and len(x) >= 3, "the plot holds no points"
    assert window.state == "training"
    assert "step" in window.views.progress_panel.bar.format()

    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):  # how fast: bench/, not here
        window.stop_training()
    assert window.state == "idle"
    run = RunDir(window.project.run)
    assert run.latest_checkpoint() is not None
    assert window.training.finished_event.reason == "stopped"
    assert "stopped at step" in window.views.message_bar.text
    assert window.views.train_panel.resume_box.isEnabled()


def test_pause_stops_steps_and_resume_continues(qtbot, window, tiny_images: Path):
    open_tiny(qtbot, window, tiny_images)
    window.start_training()
    worker = window.worker
    qtbot.waitSignal(worker.yielded, timeout=30_000, check_params_cb=event(Progress)).wait()
    with qtbot.waitSignal(worker.yielded, timeout=HANG_GUARD_MS, check_params_cb=event(Paused)) as blocker:
        window.toggle_pause()  # what Space does
    paused_at = blocker.args[0].step
    assert window.state == "paused" and window.views.train_panel.pause_button.text() == "Resume"
    steps: list = []
    worker.yielded.connect(lambda ev: steps.append(ev) if isinstance(ev, Progress) else None)
    qtbot.wait(700)  # no step while paused
    assert steps == []
    with qtbot.waitSignal(worker.yielded, timeout=10_000,
                          check_params_cb=event(Progress, lambda ev: ev.step > paused_at)) as blocker:
        window.toggle_pause()
    assert window.state == "training"
    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()


def test_closing_while_training_asks_then_saves_a_checkpoint(qtbot, make_window, tiny_images: Path):
    window = make_window()
    open_tiny(qtbot, window, tiny_images)
    window.start_training()
    worker = window.worker
    qtbot.waitSignal(worker.yielded, timeout=30_000, check_params_cb=event(Progress)).wait()
    asked = []
    window.confirm_stop = lambda: asked.append(True) or False
    window.close()
    assert window.isVisible() and worker.is_running(), "answering No must keep training"
    window.confirm_stop = lambda: asked.append(True) or True
    window.close()  # returns once the worker has stopped and saved (a hang is the suite timeout's)
    assert len(asked) == 2
    assert not worker.is_running() and not window.isVisible()
    finished = window.training.finished_event
    assert finished is not None and finished.reason == "stopped"
    assert Path(window.training.last_checkpoint).exists()


def test_finished_run_reopens_compares_and_resumes(qtbot, make_window, tiny_images: Path, tmp_path: Path):
    window = make_window()
    open_tiny(qtbot, window, tiny_images)
    window.views.train_panel.length.setValue(6)  # a short run that completes by itself
    window.start_training()
    worker = window.worker
    explore = window.explore_tab
    assert explore is not None and window.views.tabs.indexOf(explore) >= 0
    with qtbot.waitSignal(explore.checkpoint_opened, timeout=2 * HANG_GUARD_MS) as opened:
        with qtbot.waitSignal(worker.yielded, timeout=HANG_GUARD_MS, check_params_cb=event(Finished)) as blocker:
            pass
    assert blocker.args[0].reason == "completed"
    assert opened.args[0] == blocker.args[0].checkpoint  # the finished run is ready to explore
    qtbot.waitUntil(lambda: window.worker is None, timeout=HANG_GUARD_MS)
    run_path = window.project.run
    assert "finished at step 6" in window.views.message_bar.text
    assert window.export_samples(tmp_path / "grid.png") and (tmp_path / "grid.png").stat().st_size > 0
    # One export folder: Ctrl+E's grid and Explore's export both start where the last export went.
    assert window.export_folder() == str(tmp_path) and window.explore_tab.export_folder == str(tmp_path)
    window.close()

    again = make_window()
    assert str(run_path) in again.recent()
    again.open_path(run_path)
    assert again.state == "idle" and again.views.train_panel.resume_box.isChecked()
    assert again.views.train_panel.start_button.text() == "Resume training"
    assert again.views.loss_plot.point_count("loss_g") >= 1  # the run's metrics were read back
    assert not again.views.grid.image.isNull()  # its last snapshot is on screen
    assert again.views.timelapse.frames

    again.views.tabs.setCurrentWidget(again.views.compare)
    assert again.views.compare.checkpoints
    again.views.compare.seeds.setText("0-3")
    again.views.compare.compare()
    pair = again.views.compare.views
    qtbot.waitUntil(lambda: not pair[0].image.isNull() and not pair[1].image.isNull(),
                    timeout=HANG_GUARD_MS)
    qtbot.waitUntil(lambda: again.views.compare.worker is None, timeout=HANG_GUARD_MS)

    # The form shows the run's own length (6 steps), not the new window's default unit (minutes).
    assert again.views.train_panel.length_unit.currentData() == "steps" and again.views.train_panel.length.value() == 6
    again.views.train_panel.length.setValue(8)  # two more steps
    again.start_training()
    resumed = again.worker
    with qtbot.waitSignal(resumed.yielded, timeout=HANG_GUARD_MS, check_params_cb=event(Started)) as blocker:
        pass
    assert blocker.args[0].resumed_from is not None and blocker.args[0].step == 6
    with qtbot.waitSignal(resumed.yielded, timeout=HANG_GUARD_MS, check_params_cb=event(Finished)) as blocker:
        pass
    assert blocker.args[0].step == 8 and blocker.args[0].reason == "completed"

    # `studio CHECKPOINT` opens it in the explorer (after the principal directions of the finished run, which
    # the explorer may still be computing: one job at a time, so a hang guard, not a speed, bounds the wait).
    checkpoint = RunDir(run_path).latest_checkpoint()
    with qtbot.waitSignal(again.explore_tab.checkpoint_opened, timeout=HANG_GUARD_MS) as opened:
        again.open_path(checkpoint)
    assert opened.args[0] == str(checkpoint) and again.views.tabs.currentWidget() is again.explore_tab


def test_timelapse_scrubbing_and_enlarging(qtbot, window, tiny_images: Path):
    open_tiny(qtbot, window, tiny_images)
    window.views.train_panel.snapshot_minutes.setValue(0.05)  # a snapshot every 3 s
    window.start_training()
    worker = window.worker
    qtbot.waitUntil(lambda: len(window.views.timelapse.frames) >= 2, timeout=30_000)
    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()
    frames = window.views.timelapse.frames
    window.views.timelapse.slider.setValue(0)  # scrub to the first snapshot
    assert not window.views.timelapse.live
    assert window.views.grid.caption.text() == f"snapshot at step {frames[0][0]}"
    first = QImage(frames[0][1]).convertToFormat(window.views.grid.image.format())
    assert _bytes(window.views.grid.image) == _bytes(first)
    window.views.timelapse.live_button.click()
    assert window.views.timelapse.live and window.views.grid.caption.text() == window.views.live.live_caption

    window.views.grid.enlarge()  # what a double-click does
    dialog = window.views.grid._dialog
    assert dialog.isVisible() and dialog.windowTitle().startswith("Samples")
    dialog.close()


def test_plots_follow_a_dark_palette(qtbot, window):
    from PySide6.QtGui import QColor, QPalette

    dark = QPalette(window.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.Text, QColor(230, 230, 230))
    window.views.loss_plot.setPalette(dark)
    assert window.views.loss_plot.ensure_chart().view.backgroundBrush().color() == QColor(30, 30, 30)


def test_estimate_before_start_follows_the_form(qtbot, window, tiny_images: Path):
    # A real measurement (one short burst of training), then the sentence for the form's settings.
    window.estimates = True
    window.speed_seconds = 0.3
    open_tiny(qtbot, window, tiny_images)
    tp = window.views.train_panel
    # A sentence arrives once the folder is read.
    qtbot.waitUntil(lambda: "images/s here" in tp.estimate.text(), timeout=60_000)
    qtbot.waitUntil(lambda: window.estimate_worker is None, timeout=30_000)
    tp.model.setCurrentIndex(tp.model.findData("dcgan"))
    tp.resolution.setCurrentIndex(tp.resolution.findData(16))
    tp.length_unit.setCurrentIndex(tp.length_unit.findData("minutes"))
    tp.length.setValue(10)
    qtbot.waitUntil(lambda: "this run: about 10 min" in tp.estimate.text(), timeout=60_000)
    assert tp.estimate.isVisible() and "images/s here" in tp.estimate.text()
    qtbot.waitUntil(lambda: window.estimate_worker is None, timeout=30_000)
    tp.length.setValue(30)  # a changed form gets a new sentence (the speed now comes from the cache)
    qtbot.waitUntil(lambda: "about 30 min" in tp.estimate.text(), timeout=30_000)
    window.start_training()
    assert not tp.estimate.isVisible()  # the progress bar's ETA takes over
    with qtbot.waitSignal(window.worker.finished, timeout=30_000):
        window.stop_training()


def test_training_says_when_samples_become_recognisable_and_remembers_its_speed(qtbot, window, tiny_images: Path,
                                                                                monkeypatch):
    # While it trains, the panel counts down to the measured "recognisable" point at the run's own speed; when
    # it ends, that speed (not the probe's few seconds) is what the next estimate for these settings uses.
    from studio.core.speed_probe import cached_record
    from studio.core.training.estimate import images
    from studio.core.training.suggest import recognisable_kimg
    from studio.ui import training_controller

    monkeypatch.setattr(training_controller, "STEADY_SECONDS", 0.5)  # the tiny run trains for seconds, not minutes
    open_tiny(qtbot, window, tiny_images)
    tp = window.views.train_panel
    tp.model.setCurrentIndex(tp.model.findData("dcgan"))
    tp.resolution.setCurrentIndex(tp.resolution.findData(16))
    batch = tp.batch.value() or None  # the form's batch (the tiny folder's is small): its own measurement
    width = tp.width.value()  # and its width (0: automatic), the other part of the key a run's speed depends on
    assert cached_record("dcgan", 16, "cpu", batch, folder=window.estimator.cache, width=width) is None
    window.start_training()
    panel = window.views.progress_panel
    target = f"~{images(recognisable_kimg('dcgan', 16))}"
    qtbot.waitUntil(lambda: panel.recognisable.text().startswith("in about") and target in panel.recognisable.text(),
                    timeout=60_000)
    def shown_seconds() -> int:  # the panel's training time, "m:ss"
        minutes, _, seconds = panel.elapsed.text().partition(":")
        return int(minutes) * 60 + int(seconds) if seconds.isdigit() and minutes.isdigit() else -1

    # Two seconds of training time past the first progress shown (the first one arrives late on a loaded
    # machine): the session the controller remembers is longer than STEADY_SECONDS whatever the load.
    first = shown_seconds()
    qtbot.waitUntil(lambda: shown_seconds() >= max(first, 0) + 2, timeout=60_000)
    with qtbot.waitSignal(window.worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()
    record = cached_record("dcgan", 16, "cpu", batch, folder=window.estimator.cache, width=width)
    assert record is not None, "the run's speed was not remembered"
    assert record.seconds >= 0.5 and record.images_per_second > 0
    window.estimates = True  # the estimate comes back for the next run, from the remembered speed
    tp.length.setValue(tp.length.value() + 1)
    qtbot.waitUntil(lambda: f"About {record.images_per_second:,.0f} images/s" in tp.estimate.text(), timeout=30_000)
