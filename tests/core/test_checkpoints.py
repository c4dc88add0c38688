"""Checkpoints kept and checked: the best one survives pruning (by a quality score, or the last one before
trouble when metrics are off), and a checkpoint from another source is validated before use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from studio.core.errors import StudioError
from studio.core.explore.loading import load_generator
from studio.core.explore.render import Recipe, Renderer
from studio.core.formats.checkpoint import load_checkpoint, read_state
from studio.core.formats.run import RunDir
from studio.core.training.config import TrainConfig
from studio.core.training.events import Message, Progress, Saved
from studio.core.training.trainer import Trainer


def tiny(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu",
                steps=10, checkpoint_every=2, keep_checkpoints=1)
    base.update(kw)
    return TrainConfig(**base)


def test_best_checkpoint_by_score_survives_pruning_and_resume(tiny_folder: Path, tmp_path: Path):
    run = RunDir(tmp_path / "run")
    trainer = Trainer(tiny(tiny_folder), run.path)
    scores = {2: 0.50, 4: 0.30, 6: 0.40, 8: 0.60, 10: 0.45}  # lower is better: step 4 wins
    kept, events = [], []
    for ev in trainer.events():
        events.append(ev)
        if isinstance(ev, Saved) and ev.kind == "checkpoint" and ev.step in scores:
            kept.append(trainer.report_quality(ev.step, scores[ev.step], "KID"))
    trainer.close()
    assert kept == [True, True, False, False, False]
    assert [e.step for e in events if isinstance(e, Saved) and e.kind == "best"] == [2, 4]
    assert [s for s, _ in run.checkpoints()] == [10]  # last K = 1 ...
    best = run.best_checkpoint()
    assert best is not None and read_state(best).step == 4  # ... and the best, although step 4 was pruned
    info = run.read_best()
    assert info["best"]["score"] == 0.30 and info["best"]["metric"] == "KID" and info["step"] == 4
    assert not [p for p in run.checkpoints_dir.iterdir() if ".tmp" in p.name]
    # Explorable: the renderer opens it and makes an image; `studio info` describes it.
    image = Renderer.open(best).render(Recipe(seeds=[1]))
    assert image.shape == (16, 16, 3)
    r = subprocess.run([sys.executable, "-m", "studio", "info", str(best)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "step 4" in r.stdout and "KID 0.3" in r.stdout
    r = subprocess.run([sys.executable, "-m", "studio", "info", str(run.path)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "latest: step 10" in r.stdout and "best: step 4" in r.stdout, r.stdout + r.stderr

    # A resumed run remembers the best score: a worse one does not replace it, a better one does.
    again = Trainer(tiny(tiny_folder, steps=14), run.path, resume=True)
    for ev in again.events():
        if isinstance(ev, Saved) and ev.kind == "checkpoint" and ev.step == 12:
            assert not again.report_quality(12, 0.35)
        if isinstance(ev, Saved) and ev.kind == "checkpoint" and ev.step == 14:
            assert again.report_quality(14, 0.10)
    again.close()
    assert read_state(run.best_checkpoint()).step == 14 and run.read_best()["best"]["score"] == 0.10


def test_report_quality_of_the_current_step_writes_it(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, checkpoint_every=0, checkpoint_minutes=60), tmp_path / "run")
    for _ in range(3):
        trainer.step()
    assert trainer.report_quality(3, 0.2)  # no step-3 file: the current state is written as the best
    assert load_checkpoint(trainer.run.best_path).step == 3
    with pytest.raises(ValueError, match="no checkpoint of step 1"):
        trainer.report_quality(1, 0.1)  # a state that is gone: a bug in the caller, loud
    assert not trainer.report_quality(3, float("nan"))
    trainer.close()


def test_without_metrics_the_checkpoint_before_a_collapse_is_kept(tiny_folder: Path, tmp_path: Path):
    """A real collapse: the generator's last layer is zeroed, so every sample is the same image."""
    run = RunDir(tmp_path / "run")
    trainer = Trainer(tiny(tiny_folder, steps=12, checkpoint_every=2, keep_checkpoints=1, ema_kimg=0),
                      run.path, live_samples=True)
    trainer.sample_seconds = trainer.health_seconds = 0.0  # a preview and a health check after every step
    # A freshly initialised generator is legitimately uniform; the monitor waits (min_kimg) before judging,
    # here until the collapse is made.
    trainer.health.min_kimg = 1e9
    events = []
    for ev in trainer.events():
        events.append(ev)
        if isinstance(ev, Saved) and ev.kind == "checkpoint" and ev.step == 6:
            trainer.health.min_kimg = trainer.health.warmup_kimg = 0.0
            with torch.no_grad():
                last = [m for m in trainer.G.modules() if isinstance(m, torch.nn.ConvTranspose2d)][-1]
                last.weight.zero_()
    trainer.close()
    texts = [e.text for e in events if isinstance(e, Message)]
    assert any("mode collapse" in t for t in texts), texts
    assert any("kept as best.safetensors" in t for t in texts)
    kept = [e.step for e in events if isinstance(e, Saved) and e.kind == "best"]
    assert kept == [6]
    assert [s for s, _ in run.checkpoints()] == [12]
    assert read_state(run.best_checkpoint()).step == 6
    info = run.read_best()["best"]
    assert info["score"] is None and "mode collapse" in info["reason"]
    load_generator(run.best_checkpoint())  # loads

    # Resumed, the run is still collapsed and warns again: its newer checkpoints hold the collapse, so the
    # best stays the one from before the first warning, and the artist is told so.
    again = Trainer(tiny(tiny_folder, steps=18, checkpoint_every=2, keep_checkpoints=1, ema_kimg=0), run.path,
                    resume=True, live_samples=True)
    again.sample_seconds = again.health_seconds = 0.0
    again.health.min_kimg = again.health.warmup_kimg = 0.0
    events = list(again.events())
    again.close()
    texts = [e.text for e in events if isinstance(e, Message)]
    assert any("mode collapse" in t for t in texts), texts
    assert not [e for e in events if isinstance(e, Saved) and e.kind == "best"]
    assert any("stays the checkpoint of step 6" in t for t in texts), texts
    assert read_state(run.best_checkpoint()).step == 6


def _save_like(path: Path, src: Path, change) -> Path:
    """A hand-made safetensors file: a real checkpoint's tensors and metadata, with one thing changed."""
    from safetensors import safe_open

    with safe_open(str(src), framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    state = json.loads(meta["studio"])
    change(tensors, state)
    save_file(tensors, str(path), metadata={"studio": json.dumps(state)})
    return path


def test_foreign_checkpoints_are_validated_before_use(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, steps=2, checkpoint_every=0), tmp_path / "run")
    trainer.step()  # the optimisers have state to check
    good = trainer.save_checkpoint()
    key = next(k for k in load_checkpoint(good).tensors if k.startswith("G_ema.") and k.endswith("weight"))

    def shape(t, s):
        t[key] = torch.zeros(3, 3)

    def dtype(t, s):
        t[key] = t[key].to(torch.float64)

    def nan(t, s):
        t[key] = torch.full_like(t[key], float("nan"))

    def missing(t, s):
        del t[key]

    def config(t, s):
        s["spec"]["width"] = 32  # the description says another network than the tensors

    def absurd(t, s):
        s["spec"]["resolution"] = 1 << 20  # building this would exhaust memory before any check

    def no_spec(t, s):
        del s["spec"]

    def opt(t, s):
        k = next(k for k in t if k.startswith("opt_g.") and t[k].dim() > 0)
        t[k] = torch.zeros(7)

    cases = {"shape": (shape, "has shape"), "dtype": (dtype, "is float64, expected float32"),
             "nan": (nan, "infinite or undefined"), "missing": (missing, "missing"),
             "config": (config, "does not match"), "absurd": (absurd, "resolution"),
             "no_spec": (no_spec, "no valid model description"), "opt": (opt, "opt_g")}
    for name, (change, message) in cases.items():
        bad = _save_like(tmp_path / f"{name}.safetensors", good, change)
        if name != "opt":  # the optimiser matters to resuming only
            with pytest.raises(StudioError, match=message):
                load_generator(bad)
            with pytest.raises(StudioError, match=message):
                Renderer.open(bad)
        with pytest.raises(StudioError, match=message if name != "config" else "does not match|was trained as"):
            trainer.load(load_checkpoint(bad))
    trainer.load(load_checkpoint(good))  # the untouched one still loads
    trainer.close()
    # Resuming a run whose latest checkpoint was replaced by a mismatched one: a sentence, not a traceback.
    _save_like(trainer.run.checkpoint_path(99), good, dtype)
    r = subprocess.run([sys.executable, "-m", "studio", "train", str(tiny_folder), "--out", str(trainer.run.path),
                        "--resume", "--steps", "3", "--device", "cpu", "--quiet"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "is float64, expected float32" in r.stderr


def test_a_nan_state_is_never_written_as_a_checkpoint(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, checkpoint_every=0), tmp_path / "run")
    trainer.step()
    assert isinstance(trainer._try_save("checkpoint"), Saved)
    with torch.no_grad():
        next(trainer.G.parameters()).view(-1)[0] = float("nan")
    ev = trainer._try_save("checkpoint")
    assert isinstance(ev, Message) and "NaN/Inf" in ev.text and "last good checkpoint is kept" in ev.text
    assert [s for s, _ in trainer.run.checkpoints()] == [1]
    trainer.close()


class Ticking:
    """Training time that moves `seconds` each time it is read (the loop reads its clock once a step)."""

    def __init__(self, seconds: float) -> None:
        self.now, self.seconds = 0.0, seconds

    def __call__(self) -> float:
        self.now += self.seconds
        return self.now


def test_a_run_killed_40_seconds_in_can_be_resumed(tiny_folder: Path, tmp_path: Path):
    """Issue 27: a run killed 40 s into its training kept nothing ("before its first checkpoint: nothing can
    be resumed"); its first checkpoint came with its first snapshot, a minute in. Each step here takes 7 s
    of training time; the run is abandoned (no stop, no final checkpoint) once 40 s have passed."""
    run = RunDir(tmp_path / "run")
    trainer = Trainer(tiny(tiny_folder, steps=100, checkpoint_every=0), run.path, clock=Ticking(7.0))
    for ev in trainer.events():
        if isinstance(ev, Progress) and ev.elapsed >= 40:
            break  # killed: what is on disk now is all there is
    trainer.close()
    assert [s for s, _ in run.checkpoints()] == [5]  # 30 s in: step 5, at 35 s
    again = Trainer(tiny(tiny_folder, steps=100, checkpoint_every=0), run.path, resume=True)
    assert again.state.step == 5
    again.close()


def test_a_session_checkpoints_early_then_at_its_own_interval(tiny_folder: Path, tmp_path: Path):
    """30 s, 1, 2 and 5 minutes into a session's training, then every `checkpoint_minutes` (10 here), and
    where the run ends; each step takes 7 s of training time."""
    run = RunDir(tmp_path / "run")
    trainer = Trainer(tiny(tiny_folder, steps=140, checkpoint_every=0, checkpoint_minutes=10, keep_checkpoints=10),
                      run.path, clock=Ticking(7.0))
    trainer.health_seconds = 1e9  # its own business (each step would check)
    saved = []
    for ev in trainer.events():
        if isinstance(ev, Saved) and ev.kind == "checkpoint":
            saved.append((ev.step, trainer.state.train_seconds))
    trainer.close()
    assert saved == [(5, 35.0), (9, 63.0), (18, 126.0), (43, 301.0), (129, 903.0), (140, 980.0)]
    assert [s for s, _ in run.checkpoints()] == [5, 9, 18, 43, 129, 140]