"""The 2-D mode-collapse suite (ring of 8, grid of 25; PacGAN protocol) at CI size: regressions in the
training engine's losses show up as modes lost. bench/mode_collapse.py is the fuller version."""

from __future__ import annotations

import dataclasses
import functools

import pytest
import torch

from studio.core.training.losses import loss_spec
from studio.core.training.toy2d import ModeScore, ToyResult, grid, ring, score_modes, train_toy

# CI size: 64-unit MLPs, batch 128, 2,000 steps: ~7 CPU seconds a run on an idle core (measured), five runs.
CI = {"steps": 2000, "hidden": 64, "batch": 128}
pytestmark = pytest.mark.usefixtures("one_thread")  # 64-unit MLPs: a second thread only adds contention


def ring_recovered(s: ModeScore) -> bool:
    """The bar the ring tests set, shared by the negative control so that both sides meet the same bar."""
    return s.modes >= 6 and s.high_quality > 0.15


@functools.lru_cache(maxsize=None)
def trained_ring(loss: str) -> ToyResult:
    """The correct loss on the ring at CI size, trained once for the ring test and the negative control."""
    return train_toy(loss, ring(), **CI)


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
    r = trained_ring(loss)
    print(r.to_json())
    assert ring_recovered(r.score), r.to_json()


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
def test_grid_of_twentyfive(loss):
    r = train_toy(loss, grid(), **CI)
    print(r.to_json())
    assert r.score.modes >= 12 and r.score.high_quality > 0.01, r.to_json()


def test_a_broken_generator_loss_is_caught():
    """A negative control, run where the correct loss clearly succeeds (the ring's CI size: 8 of 8 modes,
    ~45 % high quality, measured): the correct loss meets the ring's bar and the same training with the
    generator's loss sign-flipped (it maximises D's 'fake' verdict) does not; both are asserted."""
    correct = trained_ring("logistic")
    assert ring_recovered(correct.score), f"the correct loss must succeed for the control to mean anything: " \
                                          f"{correct.to_json()}"
    right = loss_spec("logistic")
    flipped = dataclasses.replace(right, g_loss=lambda fake, real=None: -right.g_loss(fake, real))
    broken = train_toy(flipped, ring(), **CI)
    print(correct.to_json(), broken.to_json())
    assert not ring_recovered(broken.score), f"the sign-flipped loss passed: {broken.to_json()}"
    assert broken.score.high_quality < 0.05, broken.to_json()
