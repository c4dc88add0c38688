"""Progressive growing: continuous fade-ins, the schedule, real-image downsampling, resume, explore."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from studio.core.errors import StudioError
from studio.core.explore.loading import load_generator
from studio.core.models import ModelSpec, build_models
from studio.core.models.progressive import fade_up
from studio.core.training.config import TrainConfig
from studio.core.training.events import Progress, Samples, Saved
from studio.core.training.progressive import Schedule, Stage, real_at_stage
from studio.core.training.trainer import Trainer

MODELS = ("dcgan", "style")


def tiny_config(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), resolution=32, batch=4, width=16, z_dim=16, grid=4, device="cpu", steps=12,
                progressive=True, mirror=False)
    base.update(kw)
    return TrainConfig(**base)


def _nets(model: str):
    torch.manual_seed(0)
    G, D = build_models(ModelSpec(model, 32, 16, 0, 16, progressive=True))
    return G.eval(), D.eval()


def _out(G, ws, res: int, alpha: float) -> torch.Tensor:
    G.set_stage(res, alpha)
    with torch.no_grad():
        return G.synthesis(ws)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("res", [16, 32])
def test_generator_fade_in_is_continuous(model: str, res: int):
    G, _ = _nets(model)
    ws = G.mapping(torch.randn(3, 16))
    lower = _out(G, ws, res // 2, 1.0)
    new = _out(G, ws, res, 1.0)
    # α = 0: exactly the previous stage, upsampled; α = 1: exactly the new block's output.
    assert torch.equal(_out(G, ws, res, 0.0), fade_up(lower))
    assert torch.equal(_out(G, ws, res, 1.0), new)
    assert not torch.allclose(new, fade_up(lower), atol=1e-3)  # the two ends differ, so the test can fail
    # In between, the output moves smoothly: small α steps give small changes, and linearly (lerp).
    outs = [_out(G, ws, res, a) for a in np.linspace(0, 1, 11)]
    steps = [float((b - a).abs().max()) for a, b in zip(outs, outs[1:])]
    span = float((new - fade_up(lower)).abs().max())
    assert max(steps) <= span / 10 * 1.01
    assert torch.allclose(outs[4], torch.lerp(fade_up(lower), new, 0.4), atol=1e-5)


@pytest.mark.parametrize("model", MODELS)
def test_full_stage_equals_the_fixed_size_network(model: str):
    # A progressive network at its final stage is the ordinary network (its extra layers unused).
    G, D = _nets(model)
    torch.manual_seed(1)
    G0, D0 = build_models(ModelSpec(model, 32, 16, 0, 16))
    missing, unexpected = G0.load_state_dict(G.state_dict(), strict=False)
    assert not missing
    D0.load_state_dict(D.state_dict(), strict=False)
    G0.eval(), D0.eval()
    z = torch.randn(2, 16)
    with torch.no_grad():
        assert torch.equal(G(z), G0(z))
        x = torch.rand(2, 3, 32, 32) * 2 - 1
        assert torch.equal(D(x), D0(x))


@pytest.mark.parametrize("model", MODELS)
def test_discriminator_fade_in_is_continuous(model: str):
    _, D = _nets(model)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        D.set_stage(16, 1.0)
        lower = D(F.avg_pool2d(x, 2))
        D.set_stage(32, 0.0)
        at0 = D(x)
        D.set_stage(32, 1.0)
        at1 = D(x)
    assert torch.equal(at0, lower)
    assert not torch.allclose(at0, at1)
    # α = 1 no longer reads the lower stage's input layer: changing it changes nothing.
    lower_in = D.from_rgbs["16"]
    with torch.no_grad():
        for p in lower_in.parameters():
            p.add_(1.0)
        D.set_stage(32, 1.0)
        assert torch.equal(D(x), at1)
        D.set_stage(32, 0.0)
        assert not torch.equal(D(x), at0)


def test_real_images_fade_like_the_fakes():
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    down16 = real_at_stage(x, Stage(16))
    assert down16.shape[-1] == 16
    assert torch.allclose(down16[0, 0, 0, 0], x[0, 0, :2, :2].mean())  # area average, not a subsample
    assert torch.equal(real_at_stage(x, Stage(32, 0.0)), fade_up(real_at_stage(x, Stage(16))))
    assert torch.equal(real_at_stage(x, Stage(32, 1.0)), x)


def test_schedule_phases():
    s = Schedule(8, 32, phase=1.0)  # 8 px hold, (16 fade, hold), (32 fade, hold), then 32 px
    assert s.stage_at(0) == Stage(8) and s.stage_at(0.99) == Stage(8)
    assert s.stage_at(1.0) == Stage(16, 0.0)
    assert s.stage_at(1.4) == Stage(16, pytest.approx(0.4))
    assert s.stage_at(2.5) == Stage(16)
    assert s.stage_at(3.25) == Stage(32, 0.25)
    assert s.stage_at(4.0) == Stage(32) and s.stage_at(1e9) == Stage(32)
    assert s.end == 4.0
    # α rises continuously through each fade.
    alphas = [s.stage_at(t).alpha for t in np.linspace(1.0, 1.999, 50)]
    assert all(b > a for a, b in zip(alphas, alphas[1:]))
    assert "16 px → 32 px, fading 40%" == Stage(32, 0.4).describe()
    assert "8 px for 1 kimg" in s.describe()


def test_schedule_scales_with_the_run(tiny_folder: Path):
    from studio.core.training.config import resolve

    cfg = resolve(tiny_config(tiny_folder, steps=60), 24, "cpu")  # 0.24 kimg, 2 doublings: 6 phases
    assert cfg.progressive_start == 8 and cfg.progressive_kimg == pytest.approx(0.24 / 6)
    cfg = resolve(tiny_config(tiny_folder, steps=None, minutes=12.0), 24, "cpu")
    assert cfg.progressive_minutes == pytest.approx(2.0) and cfg.progressive_kimg is None
    cfg = resolve(tiny_config(tiny_folder, progressive_kimg=5.0), 24, "cpu")
    assert cfg.progressive_kimg == 5.0
    with pytest.raises(StudioError, match="power of two"):
        tiny_config(tiny_folder, progressive_start=12).validate()
    with pytest.raises(StudioError, match="power of two"):
        tiny_config(tiny_folder, progressive_start=64).validate()


@pytest.mark.parametrize("model", MODELS)
def test_progressive_run_grows_and_shows_one_size(tiny_folder: Path, tmp_path: Path, model: str):
    cfg = tiny_config(tiny_folder, model=model, steps=24, snapshot_minutes=1e-6, r1_interval=2)
    trainer = Trainer(cfg, tmp_path / "run", live_samples=True)
    trainer.report_seconds = 0.0  # a progress event per step, to see every stage
    events = []
    trainer.train(events.append)
    stages = [(e.resolution, e.alpha) for e in events if isinstance(e, Progress)]
    seen = {r for r, _ in stages}
    assert seen == {8, 16, 32}
    assert any(0 < a < 1 for _, a in stages)  # a fade was under way at some report
    assert [r for r, _ in stages] == sorted(r for r, _ in stages)  # it only grows
    # The live grids and the snapshots (the timelapse) have one size whatever the stage.
    shapes = {e.image.shape for e in events if isinstance(e, Samples)}
    assert shapes == {(2 * 34 + 2, 2 * 34 + 2, 3)}  # 2x2 grid of 32 px with 2 px padding
    snaps = [Path(e.path) for e in events if isinstance(e, Saved) and e.kind == "snapshot"]
    assert len(snaps) >= 3 and {Image.open(p).size for p in snaps} == {(70, 70)}
    # The EMA generator followed the stage; metrics record it for follow mode.
    assert trainer.G_ema.stage_res == trainer.G.stage_res == trainer.D.stage_res == 32
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert {r["resolution"] for r in records} >= {8, 32}


def test_reals_come_from_the_cached_images(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny_config(tiny_folder, model="dcgan"), tmp_path / "run")
    assert trainer.stage == Stage(8)
    state = trainer.gen.get_state()
    real, _ = trainer._real_batch(4)
    trainer.gen.set_state(state)
    idx = torch.randint(0, trainer.images.shape[0], (4,), generator=trainer.gen)
    expected = F.avg_pool2d(trainer.images[idx].float() / 127.5 - 1, 4)
    assert real.shape == (4, 3, 8, 8)
    assert torch.allclose(real, expected, atol=1e-6)
    trainer.close()


def test_progressive_resume_continues_at_the_same_stage(tiny_folder: Path, tmp_path: Path):
    # Phases of 3 steps of 4 images: after 5 steps (20 images) 16 px is two thirds faded in.
    cfg = tiny_config(tiny_folder, model="style", steps=10, progressive_kimg=0.012, r1_interval=2)
    straight = Trainer(cfg, tmp_path / "a")
    ref = [{k: float(v) for k, v in straight.step().items()} for _ in range(10)]
    straight.close()

    first = Trainer(dataclasses.replace(cfg, steps=5), tmp_path / "b")
    got = [{k: float(v) for k, v in first.step().items()} for _ in range(5)]
    stage = first.stage
    assert stage.resolution == 16 and 0 < stage.alpha < 1
    path = first.save_checkpoint()
    first.close()
    saved = json.loads(json.dumps(load_generator(path)[1].state.progressive))
    assert saved == {"resolution": 16, "alpha": stage.alpha}
    second = Trainer(dataclasses.replace(cfg, steps=None, kimg=1.0), tmp_path / "b", resume=True)
    assert second.cfg.progressive_kimg == 0.012  # a new length does not move the schedule
    assert second.stage == stage
    assert second.G.stage_res == second.D.stage_res == second.G_ema.stage_res == 16
    assert second.G.alpha == stage.alpha
    got += [{k: float(v) for k, v in second.step().items()} for _ in range(5)]
    second.close()
    assert got == ref  # bit-identical to the uninterrupted run
    for a, b in zip(straight.G_ema.state_dict().values(), second.G_ema.state_dict().values()):
        assert torch.equal(a, b)


def test_explore_sees_the_current_stage_upsampled(tiny_folder: Path, tmp_path: Path):
    cfg = tiny_config(tiny_folder, model="dcgan", steps=3, progressive_kimg=1.0)  # stays at 8 px
    trainer = Trainer(cfg, tmp_path / "run")
    fin = trainer.train()
    G, ckpt = load_generator(fin.checkpoint)
    assert ckpt.state.progressive == {"resolution": 8, "alpha": 1.0}
    assert (G.stage_res, G.alpha) == (8, 1.0)
    z = torch.randn(2, 16)
    with torch.no_grad():
        img = G(z)
        G.upsample_output = False
        small = G(z)
    assert img.shape == (2, 3, 32, 32) and small.shape == (2, 3, 8, 8)
    assert torch.equal(img, small.repeat_interleave(4, 2).repeat_interleave(4, 3))  # nearest
    from studio.core.explore.render import Recipe, Renderer

    picture = Renderer.open(tmp_path / "run").render(Recipe(seeds=[1]))
    assert picture.shape[:2] == (32, 32)


def test_finished_progressive_run_explores_at_full_stage(tiny_folder: Path, tmp_path: Path):
    fin = Trainer(tiny_config(tiny_folder, model="style", steps=12), tmp_path / "run").train()
    G, ckpt = load_generator(fin.checkpoint)
    assert ckpt.state.progressive == {"resolution": 32, "alpha": 1.0}
    assert G.at_full_stage
    with torch.no_grad():
        assert G(torch.randn(1, 16)).shape == (1, 3, 32, 32)


def test_minutes_runs_grow_by_training_time(tiny_folder: Path, tmp_path: Path):
    # The window's default unit: phases in minutes of training (here 0.2 s each, the run 1.2 s). Timed by this
    # thread's CPU time, so that a loaded machine (a step taking longer than a phase) does not end the run
    # before its last stage.
    cfg = tiny_config(tiny_folder, model="dcgan", steps=None, minutes=0.02)
    trainer = Trainer(cfg, tmp_path / "run", clock=time.thread_time)
    assert trainer.schedule.unit == "minutes" and trainer.cfg.progressive_minutes == pytest.approx(0.02 / 6)
    trainer.report_seconds = 0.0
    events = []
    fin = trainer.train(events.append)
    resolutions = [e.resolution for e in events if isinstance(e, Progress)]
    assert resolutions == sorted(resolutions) and resolutions[-1] == 32
    assert load_generator(fin.checkpoint)[1].state.progressive == {"resolution": 32, "alpha": 1.0}
