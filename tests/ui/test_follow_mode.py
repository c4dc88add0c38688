"""Follow mode: the window watches a run that a `studio train` subprocess is writing, live, and
offers to resume it once that process has stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from studio.core.formats.run import RunDir
from tests.conftest import HANG_GUARD_MS


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
                        or proc.poll() is not None, timeout=HANG_GUARD_MS)
        assert proc.poll() is None, (tmp_path / "train.log").read_text()
        window.open_path(run_path)
        assert window.state == "following"
        assert "following it live" in window.views.message_bar.text
        assert not window.views.train_panel.start_button.isEnabled()
        seen = window.views.loss_plot.point_count("loss_g")
        qtbot.waitUntil(lambda: window.views.loss_plot.point_count("loss_g") >= seen + 2, timeout=HANG_GUARD_MS)
        v = window.views
        qtbot.waitUntil(lambda: not v.grid.image.isNull() and len(v.timelapse.frames) >= 2, timeout=HANG_GUARD_MS)
        assert window.views.progress_panel.kimg.text() != "—" and window.views.progress_panel.speed.text() != "—"
    finally:
        proc.terminate()  # SIGTERM: the trainer stops after its step and saves a checkpoint
        proc.wait(timeout=60)
        log.close()
    qtbot.waitUntil(lambda: window.state == "idle", timeout=HANG_GUARD_MS)
    assert "has finished" in window.views.message_bar.text
    assert window.views.train_panel.resume_box.isChecked()
    latest = run.latest_checkpoint()  # written by the stopped trainer; the follower's last read finds it
    assert latest is not None, (tmp_path / "train.log").read_text()
    checkpoints = window.views.compare.checkpoints
    assert latest.name in [Path(path).name for _, path in checkpoints], checkpoints
