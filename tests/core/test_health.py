"""Mode-collapse and overfitting warnings."""

from __future__ import annotations

from pathlib import Path

import torch

from studio.core.training.config import TrainConfig
from studio.core.training.events import Message, Progress
from studio.core.training.health import HealthMonitor, diversity
from studio.core.training.trainer import Trainer


def test_diversity_orders_sets():
    g = torch.Generator().manual_seed(0)
    varied = torch.rand(16, 3, 16, 16, generator=g) * 2 - 1
    same = varied[:1].repeat(16, 1, 1, 1) + 0.01 * torch.randn(16, 3, 16, 16, generator=g)
    assert diversity(same) < 0.1 * diversity(varied)


def test_monitor_warns_once_and_rearms():
    g = torch.Generator().manual_seed(0)
    real = torch.rand(16, 3, 16, 16, generator=g) * 2 - 1
    m = HealthMonitor(real)
    collapsed = real[:1].repeat(16, 1, 1, 1)
    assert m.check_samples(collapsed, kimg=0.5) is None  # too early to judge
    assert m.check_samples(collapsed, kimg=8) is None  # a starting run's uniform samples: still warming up
    assert m.check_samples(real, kimg=4) is None  # varied once: from now on a drop is a collapse
    warning = m.check_samples(collapsed, kimg=5)
    assert warning.kind == "mode collapse" and "much less varied than your images" in warning.text
    assert m.check_samples(collapsed, kimg=6) is None  # said once
    assert m.check_samples(real, kimg=7) is None  # recovered
    assert m.check_samples(collapsed, kimg=8) is not None  # and warned again
    late = HealthMonitor(real)  # never varied, but past the warm-up: judged all the same
    assert late.check_samples(collapsed, kimg=late.warmup_kimg).kind == "mode collapse"
    assert m.check_augment(1.0, 0.0) is None
    assert m.check_augment(1.0, 30.0) is None
    warning = m.check_augment(1.0, 61.0)
    assert warning.kind == "discriminator overfitting" and "maximum augmentation" in warning.text
    assert m.check_augment(1.0, 120.0) is None


def test_trainer_reports_collapse(tiny_folder: Path, tmp_path: Path):
    cfg = TrainConfig(data=str(tiny_folder), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=8,
                      device="cpu", steps=3)
    t = Trainer(cfg, tmp_path / "run", live_samples=True)
    t.health.min_kimg = t.health.warmup_kimg = 0.0
    with torch.no_grad():  # a generator that ignores z: every sample is the same image
        t.G.net[0].weight.zero_()
        t.G_ema.net[0].weight.zero_()
    t.ema = None
    events = []
    t.train(events.append)
    assert any(isinstance(e, Message) and "mode collapse" in e.text for e in events)


def _real_run(folder: Path, out: Path, frozen_d: bool, health_seconds: float = Trainer.health_seconds
              ) -> tuple[Trainer, list]:
    """A real run, one variable apart: the textbook DCGAN's learning rates on 24 pictures at 16 px for 20.8
    kimg, past the monitor's warm-up (20 kimg). With the discriminator's learning rate at 0 the generator
    trains against a fixed judge and every seed converges on its favourite picture: a mode collapse made by
    training, not by editing weights (its samples keep ~0.1 of the folder's diversity; the twin ends at ~0.8).
    The health check runs every `health_seconds` of training, on the first step and on the last."""
    cfg = TrainConfig(data=str(folder), model="dcgan", resolution=16, batch=8, width=16, z_dim=16, grid=16,
                      device="cpu", steps=2600, lr_g=2e-4, lr_d=0.0 if frozen_d else 2e-4, augment="none",
                      ema_kimg=0, checkpoint_minutes=60)
    t = Trainer(cfg, out)
    t.health_seconds = health_seconds
    events: list = []
    t.train(events.append)
    return t, events


def _collapse_texts(events: list) -> list[str]:
    """The collapse warnings (not the note that the checkpoint before the problem is kept as the best)."""
    return [e.text for e in events if isinstance(e, Message) and e.level == "warning" and "mode collapse" in e.text]


def test_a_real_collapse_is_reported_and_a_healthy_twin_is_not(tiny_folder: Path, tmp_path: Path, one_thread):
    """The check on the run's last step, alone: its period is longer than the run, so besides the first step
    (far too early to judge) only the last one is checked. With the period shorter than the run, whether
    the last step's check was ever needed depended on the machine's speed."""
    collapsed, events = _real_run(tiny_folder, tmp_path / "collapsed", frozen_d=True, health_seconds=1e9)
    assert len(_collapse_texts(events)) == 1, [getattr(e, "text", e) for e in events if isinstance(e, Message)]
    said = next(i for i, e in enumerate(events) if isinstance(e, Message) and e.text == _collapse_texts(events)[0])
    progress_before = [e for e in events[:said] if isinstance(e, Progress)]
    assert progress_before[-1].step == collapsed.cfg.steps == collapsed.state.step  # on the last step
    assert diversity(collapsed.preview_images()) / collapsed.health.real_diversity < HealthMonitor.collapse_ratio
    healthy, events = _real_run(tiny_folder, tmp_path / "healthy", frozen_d=False, health_seconds=1e9)
    assert _collapse_texts(events) == []
    assert diversity(healthy.preview_images()) / healthy.health.real_diversity >= HealthMonitor.recover_ratio


def test_the_command_line_reports_the_collapse_of_a_headless_run(tiny_folder: Path, tmp_path: Path, one_thread):
    """The issue's headless run collapsed and `studio train` printed nothing: the same check runs in the CLI,
    at the same rate, and once more on the run's last step. Each run is continued for a few steps."""
    import subprocess
    import sys

    for name, frozen in (("collapsed", True), ("healthy", False)):
        _real_run(tiny_folder, tmp_path / name, frozen_d=frozen)
        r = subprocess.run([sys.executable, "-m", "studio", "train", str(tiny_folder), "--out", str(tmp_path / name),
                            "--resume", "--steps", "2640", "--threads", "1"],
                           capture_output=True, text=True, timeout=240)
        assert r.returncode == 0, r.stderr
        printed = r.stdout + r.stderr
        assert ("mode collapse" in printed) == frozen, printed
