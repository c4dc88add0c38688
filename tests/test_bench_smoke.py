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
    for row in ("train dcgan 32 px", "train style 32 px", "engine / plain PyTorch loop", "window attached / headless",
                "UI event-loop lateness", "canvas move -> image painted", "Start -> first sample grid",
                "app launch -> window shown", "peak memory"):
        assert row in r.stdout, f"missing row: {row}\n{r.stdout[-2000:]}"
    figures = json.loads(out.read_text())
    assert figures["throughput"]["figures"]["rows"][0]["images_per_second"] > 0
    assert all(part["peak_mb"] > 50 for part in figures.values())
