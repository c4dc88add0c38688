"""`studio train --progressive` and `studio train NEW --init-from OLD --freeze-d K` as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

STUDIO = [sys.executable, "-m", "studio"]
REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # The checkout first on the path, so the subprocess runs this tree whatever is installed.
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=path, OMP_NUM_THREADS="1")
    return subprocess.run([*STUDIO, *args], cwd=cwd, capture_output=True, text=True, timeout=240, env=env)


def test_progressive_then_fine_tune_with_frozen_d(tmp_path: Path):
    assert run("demo-data", "old", "--count", "16", "--size", "32", cwd=tmp_path).returncode == 0
    assert run("demo-data", "new", "--count", "10", "--size", "32", cwd=tmp_path).returncode == 0
    r = run("train", "old", "--out", "old-run", "--model", "dcgan", "--resolution", "32", "--batch", "4",
            "--width", "16", "--steps", "12", "--device", "cpu", "--progressive", "--snapshot-minutes", "0.0001",
            "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Progressive growing: 8 px for 0.008 kimg, then 16 px, 32 px each fade in" in r.stdout + r.stderr
    cfg = json.loads((tmp_path / "old-run" / "config.json").read_text())
    assert cfg["progressive"] and cfg["progressive_start"] == 8 and cfg["progressive_kimg"] == 0.008
    sizes = {Image.open(p).size for p in (tmp_path / "old-run" / "snapshots").glob("*.png")}
    assert len(sizes) == 1  # every stage's snapshot is shown at the final size

    # Model, resolution and width come from the source; the new run records where it started.
    r = run("train", "new", "--out", "new-run", "--init-from", "old-run", "--freeze-d", "1", "--batch", "4",
            "--steps", "2", "--device", "cpu", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Fine-tuning from old-run (step 12)" in r.stdout + r.stderr
    cfg = json.loads((tmp_path / "new-run" / "config.json").read_text())
    assert (cfg["model"], cfg["resolution"], cfg["width"], cfg["freeze_d"]) == ("dcgan", 32, 16, 1)
    assert cfg["init_from"]["step"] == 12 and len(cfg["init_from"]["sha256"]) == 64
    assert cfg["init_from"]["checkpoint"].endswith("step-00000012.safetensors")
    assert (tmp_path / "new-run" / "checkpoints" / "step-00000002.safetensors").exists()

    r = run("train", "new", "--out", "bad-run", "--init-from", "old-run", "--resolution", "64", "--steps", "1",
            "--device", "cpu", "--quiet", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "trained at 32 px and this run is set to 64 px" in r.stderr
    r = run("train", "new", "--out", "bad-run", "--freeze-d", "1", "--steps", "1", "--device", "cpu", "--quiet",
            cwd=tmp_path)
    assert r.returncode == 2 and "--init-from" in r.stderr
