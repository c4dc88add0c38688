"""`studio upscaler`, `studio generate --scale/--upscale` and `studio regenerate` with a learned upscale, as
subprocesses on a tiny real run (16 px pictures from a folder of 64 px ones)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STUDIO = [sys.executable, "-m", "studio"]


def studio(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return subprocess.run([*STUDIO, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    base = tmp_path_factory.mktemp("cli-upscale")
    data = write_demo_data(base / "images", count=24, size=64)
    cfg = TrainConfig(data=str(data), model="style", resolution=16, batch=4, width=16, z_dim=16, grid=4,
                      device="cpu", steps=2)
    Trainer(cfg, base / "run").train()
    return base


@pytest.fixture(scope="module")
def trained(base: Path) -> subprocess.CompletedProcess:
    return studio("upscaler", "run", "--minutes", "0.05", cwd=base)


def test_upscaler_trains_both_scales_the_folder_allows_and_scores_them(base: Path, trained):
    assert trained.returncode == 0, trained.stderr
    for scale in (2, 4):
        assert f"×{scale} trained for" in trained.stdout
        assert (base / "run" / "upscaler" / f"x{scale}.safetensors").is_file()
    assert trained.stdout.count("held-out picture") == 2 and "Lanczos" in trained.stdout
    again = studio("upscaler", "run", "--minutes", "0.02", "--scale", "2", cwd=base)
    assert again.returncode == 0, again.stderr
    assert "×2 continued for" in again.stdout and "×4" not in again.stdout


def test_upscaler_refuses_a_scale_the_pictures_are_too_small_for(tmp_path: Path):
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    data = write_demo_data(tmp_path / "images", count=8, size=16)
    Trainer(TrainConfig(data=str(data), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=4,
                        device="cpu", steps=1), tmp_path / "run").train()
    r = studio("upscaler", "run", "--minutes", "0.01", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "The folder's pictures are 16 px: a ×2 upscale of a 16 px run needs 32 px pictures" in r.stderr
