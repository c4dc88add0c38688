"""Follow mode: the window watches a run that a `studio train` subprocess is writing, live, and
offers to resume it once that process has stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from studio.core.run import RunDir


def test_window_follows_a_run_written_by_studio_train(qtbot, window, tiny_images: Path, tmp_path: Path):
    run_path = tmp_path / "run"
    log = open(tmp_path / "train.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "train", str(tiny_images), "--out", str(run_path), "--model", "dcgan",
         "--resolution", "16", "--batch", "4", "--width", "16", "--steps", "1000000", "--snapshot-minutes", "0.01",
         "--device", "cpu", "--quiet"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        run = RunDir(run_path)
        qtbot.waitUntil(lambda: run.exists() and run.is_being_written() and run.metrics_path.exists()
                        or proc.poll() is not None, timeout=60_000)
        assert proc.poll() is None, (tmp_path / "train.log").read_text()
        window.open_path(run_path)
        assert window.state == "following"
        assert "following it live" in window.message_bar.text
        assert not window.train_panel.start_button.isEnabled()
        seen = window.loss_plot.point_count("loss_g")
        qtbot.waitUntil(lambda: window.loss_plot.point_count("loss_g") >= seen + 2, timeout=30_000)
        qtbot.waitUntil(lambda: not window.grid.image.isNull() and len(window.timelapse.frames) >= 2, timeout=30_000)
        assert window.progress_panel.kimg.text() != "—" and window.progress_panel.speed.text() != "—"
    finally:
        proc.terminate()  # SIGTERM: the trainer stops after its step and saves a checkpoint
        proc.wait(timeout=60)
        log.close()
    qtbot.waitUntil(lambda: window.state == "idle", timeout=10_000)
    assert "has finished" in window.message_bar.text
    assert window.train_panel.resume_box.isChecked()
    assert window.compare.checkpoints or run.latest_checkpoint() is not None
