"""The explore command-line contract as subprocesses: mix, interpolate, info, regenerate (and generate's recipes).

Each `studio` process pays for importing torch (seconds on a busy box), so the commands are few and run
side by side in two waves; WebP walks, DCGAN refusals and single-image round trips are covered in tests/core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

STUDIO = [sys.executable, "-m", "studio"]


def run_all(cmds: dict[str, list[str]], cwd: Path) -> dict[str, subprocess.CompletedProcess]:
    # One intra-op thread: the tiny models are faster so, and the test box has two busy cores.
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    procs = {k: subprocess.Popen([*STUDIO, *a], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env) for k, a in cmds.items()}
    out = {}
    for k, p in procs.items():
        so, se = p.communicate(timeout=240)
        out[k] = subprocess.CompletedProcess(p.args, p.returncode, so, se)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.core.test_explore import make_run

    base = tmp_path_factory.mktemp("cli-explore")
    run = make_run("style", base / "s")
    Image.new("RGB", (4, 4)).save(base / "plain.png")
    other = base / "other.safetensors"  # another file than the one that made the pictures: one byte more
    other.write_bytes(sorted((run / "checkpoints").glob("step-*.safetensors"))[-1].read_bytes() + b" ")
    return base


@pytest.fixture(scope="module")
def wave1(base: Path) -> dict[str, subprocess.CompletedProcess]:
    return run_all({
        "mix": ["mix", "s/run", "--rows", "1,2,3", "--cols", "10,11", "--layers", "coarse", "--out", "out/mix.png"],
        "generate": ["generate", "s/run", "--seeds", "4-5", "--out", "gen", "--truncation", "0.6", "--grid"],
        "gif": ["interpolate", "s/run", "--seeds", "1,5,9", "--frames", "9", "--out", "anim/a.gif", "--loop"],
        "info-plain": ["info", "plain.png"],
    }, base)


@pytest.fixture(scope="module")
def wave2(base: Path, wave1) -> dict[str, subprocess.CompletedProcess]:
    return run_all({
        "info-mix": ["info", "out/mix.png"],
        "regen-mix": ["regenerate", "out/mix.png", "--out", "out/again.png"],
        "info-seed": ["info", "gen/seed0004.png", "--json"],
        "regen-grid": ["regenerate", "gen/grid.png", "--out", "re/grid.png", "--checkpoint", "s/run"],
        "regen-other": ["regenerate", "gen/grid.png", "--out", "re/other.png", "--checkpoint", "other.safetensors"],
    }, base)


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_mix_info_regenerate(base: Path, wave1, wave2):
    assert wave1["mix"].returncode == 0, wave1["mix"].stderr
    mix = base / "out" / "mix.png"
    assert Image.open(mix).size == (3 * 16 + 2 * 2, 4 * 16 + 3 * 2)
    r = wave2["info-mix"]
    assert r.returncode == 0, r.stderr
    assert "style-mixing: 12 cells" in r.stdout and '"mix_seed": 11' in r.stdout
    assert wave2["regen-mix"].returncode == 0, wave2["regen-mix"].stderr
    assert np.array_equal(pixels(base / "out" / "again.png"), pixels(mix))


def test_generate_carries_recipe_and_regenerates(base: Path, wave1, wave2):
    assert wave1["generate"].returncode == 0, wave1["generate"].stderr
    info = json.loads(wave2["info-seed"].stdout)
    assert info["recipe"]["seeds"] == [4] and info["recipe"]["truncation"] == 0.6 and info["recipe"]["w"]
    for name in ("grid.png",):
        assert np.array_equal(pixels(base / "re" / name), pixels(base / "gen" / name)), name
    r = wave2["regen-other"]  # the checksum policy (core/formats/png_recipe.py), as in the window
    assert r.returncode != 0 and not (base / "re" / "other.png").exists()
    assert ("other.safetensors is not the checkpoint that made grid.png (SHA-256 differs); pass --checkpoint "
            "with the right one, or --ignore-checksum.") in r.stderr, r.stderr


def test_interpolate(base: Path, wave1):
    assert wave1["gif"].returncode == 0, wave1["gif"].stderr
    with Image.open(base / "anim" / "a.gif") as im:
        assert im.n_frames == 9 and im.size == (16, 16)


def test_info_on_foreign_png_is_a_message(wave1):
    r = wave1["info-plain"]
    assert r.returncode == 2 and "carries no GAN Studio recipe" in r.stderr and "Traceback" not in r.stderr
