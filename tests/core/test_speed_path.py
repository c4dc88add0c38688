"""The speed path: automatic batch from free memory, mixed precision (bf16, fp16 with loss scaling),
and the CPU thread choice."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from studio.core.device import training_threads
from studio.core.formats.checkpoint import load_checkpoint
from studio.core.models import ModelSpec
from studio.core.training.batch_size import choose_batch, fit_batch, preferred_max, trial_step
from studio.core.training.config import TrainConfig
from studio.core.training.step import amp_dtype
from studio.core.training.trainer import Trainer

GiB = 2**30
MiB = 2**20


def linear_peak(fixed: int, per_image: int):
    calls: list[int] = []

    def peak(batch: int) -> int:
        calls.append(batch)
        return fixed + per_image * batch

    peak.calls = calls
    return peak


def test_fit_batch_is_the_largest_multiple_of_8_under_the_margin():
    peak = linear_peak(1 * GiB, 50 * MiB)
    # 0.8 x 10 GiB = 8 GiB; (8 GiB - 1 GiB) / 50 MiB = 143.36 -> 136 when the cap allows it.
    assert fit_batch(peak, 10 * GiB, cap=1024) == 136
    assert fit_batch(peak, 10 * GiB, cap=128) == 128
    assert peak.calls == [4, 8, 4, 8]
    # Little memory: the largest that still fits, never zero.
    assert fit_batch(linear_peak(1 * GiB, 50 * MiB), 2 * GiB, cap=128) == 8
    assert fit_batch(linear_peak(1 * GiB, 100 * MiB), int(1.8 * GiB), cap=128) == 4
    assert fit_batch(linear_peak(1 * GiB, 200 * MiB), int(1.5 * GiB), cap=128) == 1


def test_preferred_maximum_falls_with_resolution():
    caps = [preferred_max(r) for r in (32, 64, 128, 256, 512, 1024)]
    assert caps == sorted(caps, reverse=True) and caps[0] >= 64


@pytest.mark.parametrize("model", ["dcgan", "style"])
def test_trial_step_trains_fresh_models_without_touching_anything_else(tiny_folder: Path, tmp_path: Path, model):
    cfg = TrainConfig(data=str(tiny_folder), model=model, resolution=16, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=1)
    trainer = Trainer(cfg, tmp_path / "run")  # a trainer whose state the trial must leave alone
    before = {n: {k: v.clone() for k, v in m.state_dict().items()}
              for n, m in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema))}
    rng = (trainer.gen.get_state(), trainer.gen_local.get_state())
    step = trial_step(trainer.spec, torch.device("cpu"), "logistic", r1=True)
    G, D = step.models
    assert all(not any(p is q for q in trainer.G.parameters()) for p in G.parameters())  # fresh models
    start = [p.detach().clone() for p in (*G.parameters(), *D.parameters())]
    step(4)
    step(8)  # a second size on the same models, as the memory fit does
    moved = [not torch.equal(a, b) for a, b in zip(start, (*G.parameters(), *D.parameters()), strict=True)]
    assert sum(moved) > len(moved) // 2, "the trial step did not train its models"
    for n, m in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema)):
        for k, v in m.state_dict().items():
            assert torch.equal(v, before[n][k]), f"the trial changed the trainer's {n}.{k}"
    assert torch.equal(trainer.gen.get_state(), rng[0]) and torch.equal(trainer.gen_local.get_state(), rng[1])
    assert all(g["params"][0].grad is None for g in trainer.opt_g.param_groups)
    trainer.close()


def test_cpu_keeps_the_recipe_batch():
    choice = choose_batch(lambda b: None, torch.device("cpu"), 64, fallback=32)
    assert choice.batch == 32 and "32" in choice.reason


def test_automatic_precision_is_full_on_cpu():
    assert amp_dtype("auto", torch.device("cpu")) is None
    assert amp_dtype("fp16", torch.device("cpu")) == torch.float16
    assert amp_dtype("bf16", torch.device("cpu")) == torch.bfloat16


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_mixed_precision_trains_and_resumes(tiny_folder: Path, tmp_path: Path, precision: str):
    """Mixed precision trains (finite losses) and a resumed run equals the uninterrupted one, loss scale
    included (fp16's GradScaler state is in the checkpoint; bf16 needs none)."""
    cfg = TrainConfig(data=str(tiny_folder), model="style", resolution=16, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=6, r1_interval=2, precision=precision)

    def losses(trainer: Trainer, n: int) -> list[dict[str, float]]:
        out = [{k: float(v) for k, v in trainer.step().items()} for _ in range(n)]
        assert all(torch.isfinite(torch.tensor(v)) for d in out for v in d.values()), out
        return out

    straight = Trainer(cfg, tmp_path / "straight")
    assert straight.scaler_d.is_enabled() == (precision == "fp16")
    ref = losses(straight, 6)
    straight.close()

    trainer = Trainer(TrainConfig(**{**cfg.to_json(), "steps": 4}), tmp_path / "run")
    got = losses(trainer, 4)
    path = trainer.save_checkpoint()
    scale = trainer.scaler_g.get_scale() if precision == "fp16" else None
    trainer.close()
    state = load_checkpoint(path).state
    assert (state.grad_scale is not None) == (precision == "fp16")
    again = Trainer(cfg, tmp_path / "run", resume=True)
    if precision == "fp16":
        assert again.scaler_g.get_scale() == scale
    got += losses(again, 2)
    again.close()
    assert got == ref
    for a, b in zip(straight.G_ema.state_dict().values(), again.G_ema.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_unknown_precision_is_refused(tiny_folder: Path, tmp_path: Path):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="precision"):
        TrainConfig(data=str(tiny_folder), precision="fp8").validate()


def test_training_threads():
    assert training_threads(3) == 3  # asked for: obeyed
    n = training_threads(0)
    assert 1 <= n <= max(1, torch.get_num_threads(), __import__("os").cpu_count() or 1)


def test_estimate_from_speed_and_length():
    from studio.core.training.estimate import describe, estimate_run, first_usable_kimg

    cfg = TrainConfig(data="x", resolution=32, minutes=20)
    est = estimate_run(cfg, 100.0, 32)
    assert est.total_seconds == 1200 and est.total_kimg == 120
    first = first_usable_kimg(32, cfg.model)  # the measured table (core.training.suggest)
    assert est.first_usable_kimg == first and est.first_usable_seconds == first * 1000 / 100
    assert f"about {round(first * 10 / 60)} min" in describe(est) and "this run: about 20 min, 120k images" in describe(est)
    short = estimate_run(TrainConfig(data="x", resolution=64, steps=100), 50.0, 16)
    assert short.total_kimg == 1.6 and short.total_seconds == 32
    assert "too short" in describe(short)
    assert first_usable_kimg(128) > first_usable_kimg(64) > first_usable_kimg(32)
