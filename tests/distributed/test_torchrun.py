"""`studio train` under torchrun with Gloo on CPU: both ranks step, only rank 0 writes, the run
resumes on one process, and 2 x half batch gives the gradients of 1 x full batch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

from studio.core.formats.checkpoint import load_checkpoint
from studio.core.formats.run import RunDir

HERE = Path(__file__).parent


def torchrun(nproc: int, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_two_processes_train_write_once_and_resume_on_one(tiny_folder: Path, tmp_path: Path):
    run = tmp_path / "run"
    r = torchrun(2, "-m", "studio", "train", str(tiny_folder), "--out", str(run), "--model", "style",
                 "--resolution", "16", "--batch", "8", "--width", "16", "--steps", "4", "--device", "cpu",
                 "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "rank 0 of 2: completed at step 4" in r.stderr
    assert "rank 1 of 2: completed at step 4" in r.stderr
    # Only rank 0 wrote: one checkpoint per save, one metrics stream, no stray files from rank 1.
    assert [s for s, _ in RunDir(run).checkpoints()] == [4]
    steps = [rec.step for rec in RunDir(run).read_metrics()[0]]
    assert steps == sorted(set(steps))
    assert not (run / ".lock").exists()
    ckpt = load_checkpoint(RunDir(run).latest_checkpoint())
    assert ckpt.state.nimg == 32  # 4 steps x global batch 8
    # Resume on one process with the same global batch.
    r = subprocess.run([sys.executable, "-m", "studio", "train", str(tiny_folder), "--out", str(run),
                        "--steps", "6", "--resume", "--quiet"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "resumed from step-00000004" in r.stderr
    assert RunDir(run).checkpoints()[-1][0] == 6


@pytest.mark.slow
def test_two_half_batches_give_the_full_batch_gradients(tiny_folder: Path, tmp_path: Path):
    probe = str(HERE / "grad_probe.py")
    r = torchrun(2, probe, str(tiny_folder), str(tmp_path / "run2"), str(tmp_path / "two.safetensors"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, probe, str(tiny_folder), str(tmp_path / "run1"),
                        str(tmp_path / "one.safetensors")], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    two, one = load_file(tmp_path / "two.safetensors"), load_file(tmp_path / "one.safetensors")
    # noise_strength starts at 0, so noise changes no value, but its own gradient depends on the
    # per-rank noise stream; every other gradient must agree.
    keys = [k for k in one if "noise_strength" not in k]
    assert keys and set(one) == set(two)
    for k in keys:
        a, b = one[k], two[k]
        err = (a - b).abs().max().item()
        scale = a.abs().max().item() + 1e-8
        assert err <= 1e-4 * scale + 1e-6, f"{k}: max diff {err:.3g} (scale {scale:.3g})"
