"""`bench/run_all.py --quick` (what `make bench` runs) produces every row of the table: a smoke test of the
benchmark harness, not a timing test (no figure is checked against a target)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_run_all_quick_prints_every_row(tmp_path: Path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for row in ("train quickstyle 32 px (batch 32, width 32, the default here)", "train dcgan 32 px", "train style 32 px", "engine / plain PyTorch loop", "window attached / headless",
                "UI event-loop lateness", "canvas move -> image painted", "Start -> first sample grid",
                "app launch -> window shown", "peak memory"):
        assert row in r.stdout, f"missing row: {row}\n{r.stdout[-2000:]}"
    figures = json.loads(out.read_text())
    assert figures["throughput"]["figures"]["rows"][0]["images_per_second"] > 0
    assert all(part["peak_mb"] > 50 for part in figures.values())


def test_gpu_day_says_in_one_sentence_that_it_needs_a_gpu(tmp_path: Path):
    """On a CPU machine (CI) the GPU day runs nothing, writes nothing and says why."""
    import torch

    if torch.cuda.is_available():
        import pytest

        pytest.skip("a CUDA device is here: bench/gpu_day.py would run for real")
    out = tmp_path / "report"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_day.py"), "--out", str(out)],
                       capture_output=True, text=True, timeout=600)  # importing torch on a loaded 2-core machine
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("No CUDA device here") and "nothing was run" in r.stdout
    assert not out.exists()
