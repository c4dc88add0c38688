"""The 2-D mode-collapse suite (ring of 8, grid of 25; PacGAN protocol) at CI size: regressions in the
training engine's losses show up as modes lost. bench/mode_collapse.py is the fuller version."""

from __future__ import annotations

import pytest
import torch

from studio.core.training.toy2d import grid, ring, score_modes, train_toy

# CI size: 64-unit MLPs, batch 128, 2,000 steps: ~7 CPU seconds a run (measured), four runs.
CI = {"steps": 2000, "hidden": 64, "batch": 128}


def test_the_scorer_on_the_true_distributions():
    g = torch.Generator().manual_seed(0)
    for mixture in (ring(), grid()):
        s = score_modes(mixture.sample(2500, g), mixture)
        assert s.modes == s.total_modes and s.high_quality > 0.98  # 3 std holds 98.9 % of a 2-D Gaussian
    collapsed = ring().means[:1].repeat(2500, 1)
    assert score_modes(collapsed, ring()).modes == 1
    assert score_modes(torch.zeros(2500, 2), grid()).modes == 1  # (0, 0) is a grid mode


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
def test_ring_of_eight(loss):
    r = train_toy(loss, ring(), **CI)
    print(r.to_json())
    assert r.score.modes >= 6 and r.score.high_quality > 0.15, r.to_json()


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
def test_grid_of_twentyfive(loss):
    r = train_toy(loss, grid(), **CI)
    print(r.to_json())
    assert r.score.modes >= 12 and r.score.high_quality > 0.01, r.to_json()


def test_a_broken_generator_loss_is_caught():
    """The suite can fail: a generator that maximises D's 'fake' verdict (the sign flipped) collapses."""
    import dataclasses

    from studio.core.training.losses import loss_spec

    right = loss_spec("logistic")
    flipped = dataclasses.replace(right, g_loss=lambda fake, real=None: -right.g_loss(fake, real))
    r = train_toy(flipped, ring(), steps=400, hidden=64, batch=128)
    assert r.score.high_quality < 0.05
