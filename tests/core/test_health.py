"""Mode-collapse and overfitting warnings."""

from __future__ import annotations

from pathlib import Path

import torch

from studio.core.training.config import TrainConfig
from studio.core.training.events import Message
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
