"""The CUDA paths, for the day a GPU is at hand: `pytest -m cuda` runs them wherever a CUDA device exists
and lists them as skipped, with the reason, everywhere else. Real memory statistics, real out-of-memory,
channels_last, mixed precision and NCCL; nothing here is injected or mocked."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from studio.core.models import ModelSpec
from studio.core.training.batch_size import MARGIN, choose_batch, cuda_peak, preferred_max, trial_step
from studio.core.training.config import TrainConfig
from studio.core.training.events import Message
from studio.core.training.step import amp_dtype
from studio.core.training.trainer import Trainer

NO_CUDA = "no CUDA device here (torch.cuda.is_available() is False)"
pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)]


def cuda_config(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), model="style", resolution=32, batch=8, width=32, z_dim=32, grid=4, device="cuda",
                steps=4, r1_interval=2)
    base.update(kw)
    return TrainConfig(**base)


def test_automatic_batch_fits_the_real_free_memory():
    device = torch.device("cuda")
    spec = ModelSpec("style", 64, 64, 0, 64)
    step = trial_step(spec, device, "logistic", r1=True)
    peak = cuda_peak(step, device)
    small, large = peak(4), peak(8)
    assert large > small > 0, "the peak allocation should grow with the batch"
    free, _ = torch.cuda.mem_get_info(device)
    choice = choose_batch(step, device, 64, fallback=32)
    assert 1 <= choice.batch <= preferred_max(64)
    assert choice.batch % 8 == 0 or choice.batch <= 4
    assert f"{free / 2**30:.1f} GiB" in choice.reason or "barely fit" in choice.reason, choice.reason
    assert peak(choice.batch) <= MARGIN * free  # the chosen batch really fits with the margin


def test_trainer_picks_its_batch_on_cuda(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(cuda_config(tiny_folder, batch=0, steps=1), tmp_path / "run")
    assert trainer.batch >= 1 and "GiB of GPU memory free" in trainer.batch_reason, trainer.batch_reason
    trainer.train()


def test_channels_last_on_cuda(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(cuda_config(tiny_folder), tmp_path / "run")
    assert trainer.gan.memory_format == torch.channels_last
    convs = [p for m in (trainer.G, trainer.D) for p in m.parameters() if p.dim() == 4 and p.shape[-1] > 1]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    real, _ = trainer._real_batch(trainer.gan.local_batch)
    assert real.is_cuda and real.is_contiguous(memory_format=torch.channels_last)
    out = trainer.step()
    assert all(torch.isfinite(v) for v in out.values())
    trainer.close()


@pytest.mark.parametrize("precision", ["auto", "bf16", "fp16"])
def test_mixed_precision_on_cuda_trains_and_resumes(tiny_folder: Path, tmp_path: Path, precision: str):
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    cfg = cuda_config(tiny_folder, steps=6, precision=precision)
    expected = amp_dtype(precision, torch.device("cuda"))
    assert expected in (torch.bfloat16, torch.float16)  # "auto" means mixed precision on CUDA

    def losses(trainer: Trainer, n: int) -> list[dict[str, float]]:
        out = [{k: float(v) for k, v in trainer.step().items()} for _ in range(n)]
        assert all(torch.isfinite(torch.tensor(v)) for d in out for v in d.values()), out
        return out

    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    straight = Trainer(cfg, tmp_path / "straight")
    assert straight.amp_dtype == expected
    assert straight.scaler_d.is_enabled() == (expected == torch.float16)
    ref = losses(straight, 6)
    straight.close()
    first = Trainer(dataclasses.replace(cfg, steps=4), tmp_path / "run")
    got = losses(first, 4)
    first.save_checkpoint()
    first.close()
    again = Trainer(cfg, tmp_path / "run", resume=True)
    got += losses(again, 2)
    again.close()
    # GPU kernels (atomics in convolution backward) need not be bit-exact: close, step by step.
    for a, b in zip(ref, got, strict=True):
        assert a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-2 * (1 + abs(a[k])) for k in a), (a, b)


def test_real_out_of_memory_halves_the_chunk_and_keeps_the_batch(tiny_folder: Path, tmp_path: Path):
    """A memory cap between the peak of a half-batch step and a full one: the full step really runs out
    of memory, the trainer splits the batch into two chunks and finishes the run at the same batch."""
    device = torch.device("cuda")
    cfg = cuda_config(tiny_folder, resolution=64, width=64, z_dim=64, batch=64, steps=3, precision="fp32")
    trainer = Trainer(cfg, tmp_path / "run")
    peaks = {}
    for accum in (2, 1):
        trainer.accum = accum
        torch.cuda.synchronize(device)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        trainer.step()
        torch.cuda.synchronize(device)
        peaks[accum] = torch.cuda.max_memory_allocated(device)
    assert peaks[1] > peaks[2] * 1.2, f"the batch's activations do not dominate: {peaks}"
    trainer.accum = 1
    total = torch.cuda.get_device_properties(device).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction((peaks[1] + peaks[2]) / 2 / total, device)
    try:
        events = []
        fin = trainer.train(events.append)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, device)
        torch.cuda.empty_cache()
    assert fin.reason == "completed" and trainer.accum >= 2 and trainer.batch == 64
    assert any(isinstance(e, Message) and "Out of GPU memory" in e.text for e in events)
    trainer.close()


@pytest.mark.skipif(torch.cuda.is_available() and torch.cuda.device_count() < 2,
                    reason="NCCL needs two CUDA devices (one process per GPU; one GPU is not distributed)")
def test_nccl_two_processes_train(tiny_folder: Path, tmp_path: Path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                        "-m", "studio", "train", str(tiny_folder), "--out", str(tmp_path / "run"), "--model", "style",
                        "--resolution", "16", "--batch", "8", "--width", "16", "--steps", "4", "--device", "cuda",
                        "--quiet"], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "rank 0 of 2: completed at step 4" in r.stderr and "rank 1 of 2: completed at step 4" in r.stderr
