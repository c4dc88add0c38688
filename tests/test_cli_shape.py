"""`studio train --aspect` as a subprocess: the shape named on the first line, kept by generate, info and
regenerate (bit for bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.test_cli import run


def test_landscape_run_from_train_to_regenerate(tmp_path: Path):
    r = run("demo-data", "demo", "--count", "12", "--size", "32", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("train", "demo", "--out", "run", "--aspect", "3:2", "--resolution", "32", "--steps", "4", "--device",
            "cpu", "--model", "dcgan", "--batch", "4", "--width", "16", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith("shape 24×16 px (3:2 landscape): the nearest to 3:2 at 32 px"), first
    assert "training dcgan at 24×16 px (3:2 landscape)" in r.stderr
    r = run("generate", "run", "--seeds", "0-3", "--out", "out", "--grid", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for seed in range(4):
        assert Image.open(tmp_path / "out" / f"seed{seed:04d}.png").size == (24, 16)
    assert Image.open(tmp_path / "out" / "grid.png").size == (2 * 24 + 2, 2 * 16 + 2)  # 2 x 2 for 4 landscapes
    r = run("regenerate", "out/seed0002.png", "--out", "again.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.asarray(Image.open(tmp_path / "again.png")),
                          np.asarray(Image.open(tmp_path / "out" / "seed0002.png")))
    r = run("info", "out/seed0002.png", cwd=tmp_path)
    assert r.returncode == 0 and "shape 24×16 px" in r.stdout, r.stdout + r.stderr
    r = run("info", "run", cwd=tmp_path)
    assert r.returncode == 0 and "dcgan at 24×16 px" in r.stdout, r.stdout + r.stderr


def test_a_bad_aspect_is_a_sentence(tmp_path: Path):
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (30, 20)).save(tmp_path / "imgs" / "a.png")
    r = run("train", "imgs", "--out", "run", "--aspect", "5:1", "--steps", "1", "--device", "cpu", cwd=tmp_path)
    assert r.returncode == 2 and "1:2 to 2:1" in r.stderr and "Traceback" not in r.stderr
