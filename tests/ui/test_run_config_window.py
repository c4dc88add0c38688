"""The window reads a run's config.json through TrainConfig, once: the progress of a reopened run counts
steps as the trainer does, what the file leaves out shows TrainConfig's defaults, and the training form
shows a config and reads it back through one table."""

from __future__ import annotations

import json
from pathlib import Path

from studio.core.training.config import TrainConfig
from tests.core.test_explore import make_run


def rewrite_config(run: Path, **changes) -> None:
    path = run / "config.json"
    cfg = json.loads(path.read_text())
    for key, value in changes.items():
        if value is ...:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    path.write_text(json.dumps(cfg))


def test_a_run_one_step_short_of_its_fractional_length_is_stopped_not_done(qtbot, window, tmp_path: Path):
    run = make_run("dcgan", tmp_path / "d")
    rewrite_config(run, steps=None, kimg=1.0, batch=24)  # 41.67 batches: the trainer trains 42 steps
    with open(run / "metrics.jsonl", "a") as f:  # it stopped after step 41
        f.write(json.dumps({"step": 41, "kimg": 0.984, "time": 30.0, "images_per_second": 33.0,
                            "loss_g": 1.0}) + "\n")
    window.open_path(run)
    assert window.views.live.total_steps == 42  # the window counted int(41.67) = 41 and called the run done
    assert window.views.progress_panel.bar.format() == "stopped · step 41"


def test_a_run_without_mirror_or_augment_in_its_config_shows_the_configs_defaults(qtbot, window, tmp_path: Path):
    run = make_run("dcgan", tmp_path / "d")
    rewrite_config(run, mirror=..., augment=...)  # a run from before these settings were written
    window.open_path(run)
    assert not window.views.train_panel.mirror.isChecked()  # TrainConfig's default; the form used to show it on
    assert window.views.live.augment_used  # "auto": augmentation was on


def test_the_form_shows_a_config_and_reads_it_back(qtbot):
    from studio.ui.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    cfg = TrainConfig(data="images", model="quickstyle", resolution=48, aspect="3:2", batch=12, kimg=7.5,
                      loss="hinge", augment="diff", classes=True, seed=9, fit="pad", background="#102030",
                      mirror=True, lr_g=3e-4, lr_d=3e-4, r1_gamma=0.5, ema_kimg=2.0, width=24, metrics_every=0.0,
                      inception="/x/inception.pt", snapshot_minutes=2.0, checkpoint_minutes=7.0)
    panel.set_from_config(cfg)
    back = panel.config("images")
    # The device is this computer's; the shape is shown as the picture it makes (48 at 3:2 is "64 px → 48×32").
    bound = {name for b in panel.bindings for name in b.names} - {"device", "resolution"}
    assert {n: getattr(back, n) for n in bound} == {n: getattr(cfg, n) for n in bound}
    assert back.canvas() == cfg.canvas()
    steps = TrainConfig(data="images", model="style", progressive=True, steps=300)
    panel.set_from_config(steps)
    back = panel.config("images")
    assert (back.model, back.progressive, back.steps, back.kimg, back.minutes) == ("style", True, 300, None, None)
    assert (back.r1_gamma, back.ema_kimg, back.lr_g, back.metrics_every) == (None, None, None, None)
