"""`bench/upscale.py` runs end to end on a tiny folder (a smoke test of the harness, not a timing test: no
figure is checked against a target; the KID legs need Inception and minutes, so --no-kid)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_upscale_bench_trains_times_and_writes_the_crops(tmp_path: Path):
    from studio.core.demo import write_demo_data

    data = write_demo_data(tmp_path / "images", count=12, size=32)
    env = dict(os.environ, OMP_NUM_THREADS="1", GAN_STUDIO_BENCH_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "upscale.py"), "--folder", str(data), "--resolution", "16",
                        "--minutes", "0.02", "--held", "3", "--no-kid", "--out", str(tmp_path / "out"),
                        "--shots", str(tmp_path / "shots")], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for line in ("16 px ×2 -> 32 px", "held out (3 real)", "per exported picture: learned", "crops (Lanczos | learned"):
        assert line in r.stdout, r.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["steps"] > 0 and results["ms_per_picture_learned"] > 0 and Path(results["crops"]).is_file()
