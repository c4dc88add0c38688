"""The loss registry: every loss name ever accepted still resolves; the penalties match finite differences
(the autograd form must be right, on MPS too); and the relativistic pairing loss — added as one LossSpec —
trains at 16 px and resumes bit-exactly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from studio.core.errors import StudioError
from studio.core.training import losses as L
from studio.core.training.config import TrainConfig, resolve
from studio.core.training.toy2d import ring, train_toy
from studio.core.training.trainer import Trainer


class SmoothD(nn.Module):
    """A small smooth discriminator on (B, 2, 2, 2) inputs (tanh, so that second derivatives exist)."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.w1 = nn.Parameter(torch.randn(8, 16, generator=g, dtype=torch.float64))
        self.w2 = nn.Parameter(torch.randn(16, generator=g, dtype=torch.float64))

    def forward(self, x: torch.Tensor, c=None) -> torch.Tensor:
        return torch.tanh(x.flatten(1) @ self.w1) @ self.w2


def finite_difference_r1(D: nn.Module, x: torch.Tensor, eps: float = 1e-6) -> float:
    """mean over samples of ||dD/dx||², each partial derivative by central differences."""
    total = 0.0
    with torch.no_grad():
        for i in range(x.shape[0]):
            xi = x[i: i + 1]
            grad = torch.zeros_like(xi)
            for j in range(xi.numel()):
                step = torch.zeros_like(xi).flatten()
                step[j] = eps
                step = step.view_as(xi)
                grad.view(-1)[j] = (D(xi + step) - D(xi - step)).item() / (2 * eps)
            total += float(grad.square().sum())
    return total / x.shape[0]


def test_r1_penalty_matches_finite_differences():
    D = SmoothD()
    x = torch.randn(5, 2, 2, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    got = L.r1_penalty(D, x, None).item()
    assert got == pytest.approx(finite_difference_r1(D, x), rel=1e-6)
    assert got > 0.1  # not trivially zero


def test_gradient_penalty_matches_finite_differences():
    D = SmoothD()
    g = torch.Generator().manual_seed(2)
    real, fake = torch.randn(4, 2, 2, 2, generator=g, dtype=torch.float64), torch.randn(4, 2, 2, 2, generator=g,
                                                                                             dtype=torch.float64)
    got = L.gradient_penalty(D, real, fake, None, torch.Generator().manual_seed(3)).item()
    alpha = torch.rand(4, 1, 1, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x_hat = real.lerp(fake, alpha)
    norms = []
    for i in range(4):
        norms.append(finite_difference_r1(D, x_hat[i: i + 1]) ** 0.5)
    want = sum((n - 1) ** 2 for n in norms) / 4
    assert got == pytest.approx(want, rel=1e-6)


def test_the_penalty_trains_the_discriminator():
    """create_graph=True: the penalty has a gradient with respect to D's weights."""
    D = SmoothD()
    x = torch.randn(3, 2, 2, 2, dtype=torch.float64)
    L.r1_penalty(D, x, None).backward()
    assert D.w1.grad is not None and D.w1.grad.abs().sum() > 0


def test_every_loss_name_ever_accepted_still_resolves():
    # A contract: configs, checkpoints and scripts name these.
    for name in ("logistic", "hinge", "wgan-gp", "lsgan", "wgan", "bce", "nonsaturating", "ls", "BCE"):
        spec = L.loss_spec(name)
        assert spec.name in L.LOSSES
    assert L.canonical_loss("bce") == "logistic"
    with pytest.raises(StudioError, match="Unknown loss 'nope'"):
        L.loss_spec("nope")
    names = [s.name for s in L.LOSS_SPECS] + list(L.ALIASES)
    assert len(names) == len(set(names))


def test_the_registry_lists_without_torch():
    import subprocess
    import sys

    code = ("import sys; from studio.core.training.losses import LOSS_SPECS; "
            "assert LOSS_SPECS; print('torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr


def test_a_spec_sets_the_run(tiny_folder: Path):
    """What a LossSpec declares reaches the resolved config and the model."""
    base = TrainConfig(data=str(tiny_folder), resolution=16, batch=4, model="style")
    wgan_gp = resolve(dataclasses.replace(base, loss="wgan-gp", r1_gamma=1.0), 10, "cpu")
    assert wgan_gp.r1_gamma == 0.0  # "never"
    rp = resolve(dataclasses.replace(base, loss="rpgan"), 10, "cpu")
    assert (rp.beta1, rp.beta2) == (0.0, 0.99) and rp.r1_gamma > 0
    rp_dcgan = resolve(dataclasses.replace(base, loss="rpgan", model="dcgan", r1_gamma=0.1), 10, "cpu")
    assert (rp_dcgan.beta1, rp_dcgan.beta2) == (0.0, 0.99)  # the loss's betas beat DCGAN's (0.5, 0.999)


# ------------------------------------------------------------------ the relativistic pairing loss (R3GAN)
def rpgan_config(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu",
                model="style", loss="rpgan", r1_gamma=0.5, r1_interval=2, steps=4)
    base.update(kw)
    return TrainConfig(**base)


def test_rpgan_terms_and_penalties(tiny_folder: Path, tmp_path: Path):
    t = Trainer(rpgan_config(tiny_folder, model="dcgan"), tmp_path / "run")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in t.D.modules())  # d_norm=False
    out = t.step()  # step 0: R1 and R2 are due
    assert {"loss_d", "loss_g", "r1", "r2"} <= set(out)
    assert all(torch.isfinite(v) for v in out.values())
    assert float(out["r2"]) > 0
    t.close()


def test_rpgan_resumes_bit_exactly(tiny_folder: Path, tmp_path: Path):
    cfg = rpgan_config(tiny_folder)
    straight = Trainer(cfg, tmp_path / "a")
    ref = [{k: float(v) for k, v in straight.step().items()} for _ in range(4)]
    straight.close()
    first = Trainer(dataclasses.replace(cfg, steps=2), tmp_path / "b")
    got = [{k: float(v) for k, v in first.step().items()} for _ in range(2)]
    first.save_checkpoint()
    first.close()
    second = Trainer(cfg, tmp_path / "b", resume=True)
    got += [{k: float(v) for k, v in second.step().items()} for _ in range(2)]
    second.close()
    assert got == ref
    for a, b in zip(straight.G_ema.state_dict().values(), second.G_ema.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_rpgan_on_the_ring(one_thread):
    r = train_toy("rpgan", ring(), steps=2000, hidden=64, batch=128)
    print(r.to_json())
    assert r.score.modes >= 6 and r.score.high_quality > 0.15, r.to_json()


# ------------------------------------------------------------------ adding a loss is one LossSpec (issue 16)
def test_a_loss_added_as_one_spec_trains_and_is_offered_everywhere(tiny_folder: Path, tmp_path: Path):
    """`rsgan` was added as a single LossSpec entry in losses.py and nothing else: its terms are the
    relativistic ones, the flag and the window's list offer it, and a DCGAN (BatchNorm kept) trains with it."""
    import torch.nn.functional as F

    from studio.ui.widgets.advanced_settings import LOSSES as WINDOW_LOSSES

    spec = L.loss_spec("rsgan")
    real, fake = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, 0.0, 1.0])
    assert torch.allclose(spec.d_loss(real, fake), F.softplus(fake - real).mean())
    assert torch.allclose(spec.g_loss(fake, real), F.softplus(real - fake).mean())
    assert "rsgan" in L.LOSSES and ("Relativistic (RSGAN)", "rsgan") in WINDOW_LOSSES
    cfg = TrainConfig(data=str(tiny_folder), resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu",
                      model="dcgan", loss="rsgan", steps=3)
    t = Trainer(cfg, tmp_path / "run")
    assert any(isinstance(m, nn.BatchNorm2d) for m in t.D.modules())  # no penalty: d_norm stays on
    for _ in range(3):
        out = t.step()
        assert {"loss_d", "loss_g"} <= set(out) and all(torch.isfinite(v) for v in out.values())
    t.close()
