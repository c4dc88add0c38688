"""`studio train --resolution 128` on a CPU: the automatic model trains at 64 px and its pictures are enlarged
×2 with Lanczos (what measured best per CPU-minute at 128 px, issue 25); `studio generate` then makes 128 px
pictures by default; a chosen model trains the size asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from studio.core.training.suggest import ENLARGED_FROM, cpu_enlarge
from tests.test_cli import run


def test_the_rule():
    assert cpu_enlarge(ENLARGED_FROM, gpu=False, automatic_model=True) == 2
    assert cpu_enlarge(256, gpu=False, automatic_model=True) == 2
    assert cpu_enlarge(64, gpu=False, automatic_model=True) == 1  # 64 px trains at 64 px
    assert cpu_enlarge(128, gpu=True, automatic_model=True) == 1  # a GPU trains the size asked
    assert cpu_enlarge(128, gpu=False, automatic_model=False) == 1  # so does a model chosen by name
    assert cpu_enlarge(128, gpu=False, automatic_model=True, progressive=True) == 1  # and a growing run


def _config(run_dir: Path):
    from studio.core.formats.run import RunDir
    from studio.core.training.config import TrainConfig

    return TrainConfig.from_json(RunDir(run_dir).read_config())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("enlarge")
    r = run("demo-data", "demo", "--count", "12", "--size", "128", cwd=base)
    assert r.returncode == 0, r.stderr
    return base


def test_a_cpu_128_px_run_trains_64_px_and_makes_128_px_pictures(demo: Path):
    r = run("train", "demo", "--out", "run", "--resolution", "128", "--steps", "2", "--device", "cpu", "--batch",
            "4", "--width", "8", "--quiet", cwd=demo)
    assert r.returncode == 0, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith("128 px pictures on a CPU: the generator trains at 64 px") and "Lanczos" in first, first
    assert "--model" in first  # how to train 128 px directly
    cfg = _config(demo / "run")
    assert (cfg.resolution, cfg.enlarge) == (64, 2)
    r = run("generate", "run", "--seeds", "0-1", "--out", "out", cwd=demo)
    assert r.returncode == 0, r.stderr
    assert Image.open(demo / "out" / "seed0001.png").size == (128, 128)
    r = run("regenerate", "out/seed0001.png", "--out", "again.png", cwd=demo)
    assert r.returncode == 0, r.stderr
    assert Image.open(demo / "again.png").tobytes() == Image.open(demo / "out" / "seed0001.png").tobytes()
    r = run("info", "run", cwd=demo)
    assert r.returncode == 0 and "at 64 px enlarged ×2 with Lanczos" in r.stdout, r.stdout + r.stderr
    r = run("generate", "run", "--seeds", "0", "--out", "small", "--scale", "1", cwd=demo)
    assert r.returncode == 0 and Image.open(demo / "small" / "seed0000.png").size == (64, 64), r.stderr


def test_a_chosen_model_trains_the_size_asked(demo: Path):
    r = run("train", "demo", "--out", "direct", "--resolution", "128", "--steps", "1", "--device", "cpu",
            "--model", "dcgan", "--batch", "4", "--width", "8", "--quiet", cwd=demo)
    assert r.returncode == 0, r.stderr
    assert "enlarged" not in r.stderr
    cfg = _config(demo / "direct")
    assert (cfg.resolution, cfg.enlarge) == (128, 1)
