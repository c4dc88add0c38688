"""`studio inpaint` and `studio atlas` as subprocesses on a tiny trained checkpoint (and regenerating both)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.test_cli_explore import run_all


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from studio.core.explore.render import Recipe, Renderer
    from tests.core.test_explore import make_run

    base = tmp_path_factory.mktemp("cli-inpaint-atlas")
    run = make_run("style", base / "s")
    picture = Renderer.open(run).render(Recipe(seeds=[3]))
    Image.fromarray(picture).resize((48, 48), Image.NEAREST).save(base / "picture.png")
    mask = np.zeros((48, 48), np.uint8)
    mask[12:30, 18:36] = 255
    Image.fromarray(mask).save(base / "mask.png")
    Image.new("L", (20, 48)).save(base / "narrow-mask.png")
    return base


@pytest.fixture(scope="module")
def wave1(base: Path) -> dict[str, subprocess.CompletedProcess]:
    return run_all({
        "inpaint": ["inpaint", "s/run", "picture.png", "mask.png", "--out", "out/fixed.png", "--steps", "12",
                    "--seed", "2", "--feather", "1"],
        "atlas": ["atlas", "s/run", "--count", "40", "--out", "out/atlas.png", "--truncation", "0.9"],
        "bad-mask": ["inpaint", "s/run", "picture.png", "narrow-mask.png", "--out", "out/never.png"],
        "help": ["inpaint", "--help"],
    }, base)


@pytest.fixture(scope="module")
def wave2(base: Path, wave1) -> dict[str, subprocess.CompletedProcess]:
    return run_all({
        "regen-fixed": ["regenerate", "out/fixed.png", "--out", "re/fixed.png"],
        "regen-atlas": ["regenerate", "out/atlas.png", "--out", "re/atlas.png"],
        "atlas-again": ["atlas", "s/run", "--count", "40", "--out", "out/atlas.png", "--truncation", "0.9"],
        "info": ["info", "out/fixed.png", "--json"],
    }, base)


def test_inpaint_writes_a_repaired_picture_that_regenerates(base: Path, wave1, wave2):
    r = wave1["inpaint"]
    assert r.returncode == 0, r.stderr
    assert "filled" in r.stdout and "loss on the known pixels" in r.stdout
    fixed = pixels(base / "out" / "fixed.png")
    assert fixed.shape == (16, 16, 3)
    # far from the hole the picture is untouched (the picture at 16 px is the 48 px one shrunk back)
    from studio.core.explore.projection import prepare_target

    target = prepare_target(pixels(base / "picture.png"), 16)
    assert np.array_equal(fixed[:2], target[:2]) and np.array_equal(fixed[-3:], target[-3:])
    assert not np.array_equal(fixed, target)
    import json

    info = json.loads(wave2["info"].stdout)
    assert len(info["inpaint"]["source_sha256"]) == 64 and info["inpaint"]["mask"] and info["recipe"]["w"]
    assert wave2["regen-fixed"].returncode == 0, wave2["regen-fixed"].stderr
    assert np.array_equal(pixels(base / "re" / "fixed.png"), fixed)


def test_inpaint_help_and_errors(wave1):
    assert wave1["help"].returncode == 0 and "white = the hole" in wave1["help"].stdout
    r = wave1["bad-mask"]
    assert r.returncode == 2 and "paint the mask at the picture's size" in r.stderr and "Traceback" not in r.stderr


def test_atlas_poster_never_overwrites_and_regenerates(base: Path, wave1, wave2):
    r = wave1["atlas"]
    assert r.returncode == 0, r.stderr
    assert "40 images on a" in r.stdout and "pca of w" in r.stdout
    poster = pixels(base / "out" / "atlas.png")
    assert wave2["atlas-again"].returncode == 0, wave2["atlas-again"].stderr
    assert np.array_equal(pixels(base / "out" / "atlas-2.png"), poster)  # same seeds, same poster, new name
    assert wave2["regen-atlas"].returncode == 0, wave2["regen-atlas"].stderr
    assert np.array_equal(pixels(base / "re" / "atlas.png"), poster)
