"""The learned upscale (core/upscale): it starts as Lanczos, a few real training steps on a tiny folder beat
Lanczos on pictures it never saw, its file resumes (network and optimiser), and folders whose pictures are
too small, damaged files and a missing upscaler are sentences."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from studio.core.data import DataConfig
from studio.core.errors import StudioError
from studio.core.images import upscale
from studio.core.upscale.learned import LANCZOS, LEARNED, choose_upscale
from studio.core.upscale.network import UpscalerNet, UpscalerSpec, enlarge
from studio.core.upscale.pairs import PicturesTooSmall, folder_pairs
from studio.core.upscale.store import load_upscaler, upscaler_path
from studio.core.upscale.train import train_upscaler


def steps(n: int):
    """A clock that ticks once per look: a budget of n 'seconds' is about n training steps, on any machine."""
    c = itertools.count()
    return n, (lambda: float(next(c)))


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from studio.core.demo import write_demo_data

    return write_demo_data(tmp_path_factory.mktemp("up") / "images", count=24, size=64)


@pytest.fixture(scope="module")
def pairs(pictures: Path):
    return folder_pairs(pictures, DataConfig(resolution=16), 2, None)


def test_an_untrained_upscaler_is_lanczos_pixel_for_pixel():
    pics = np.random.RandomState(0).randint(0, 256, (3, 12, 20, 3), np.uint8)
    for scale in (2, 4):
        out = enlarge(UpscalerNet(UpscalerSpec(scale)), pics)
        assert out.shape == (3, 12 * scale, 20 * scale, 3)
        assert all(np.array_equal(o, upscale(p, scale)) for o, p in zip(out, pics, strict=True))


def test_pairs_are_the_run_pictures_and_their_high_res_copies(pairs):
    assert pairs.shape.px == "16 px" and pairs.high_shape.px == "32 px" and pairs.scale == 2
    assert pairs.train.low.shape[1:] == (16, 16, 3) and pairs.train.high.shape[1:] == (32, 32, 3)
    assert len(pairs.train) + len(pairs.held_out) == 24 and len(pairs.held_out) >= 1
    # The Lanczos picture is the export's own Lanczos of the small picture.
    assert np.array_equal(pairs.held_out.lanczos[0], upscale(pairs.held_out.low[0], 2))


def test_a_few_steps_beat_lanczos_on_held_out_pictures_and_resume(pairs, tmp_path: Path, one_thread):
    path = tmp_path / "upscaler" / "x2.safetensors"
    budget, clock = steps(40)
    r = train_upscaler(pairs, path, budget, clock=clock)
    assert not r.resumed and r.step >= 30 and path.is_file() and path.with_suffix(".json").is_file()
    s = r.score
    assert s.l1_learned < s.l1_lanczos and s.psnr_learned > s.psnr_lanczos, s.describe()

    file = load_upscaler(path)
    assert file.header.step == r.step and file.header.score == s and file.sha256 == r.sha256
    assert file.section("opt"), "the optimiser state is saved for resuming"
    budget, clock = steps(5)
    again = train_upscaler(pairs, path, budget, clock=clock)
    assert again.resumed and again.step > r.step and again.seconds > r.seconds
    # Adam continued where it stopped: its step counts on from the first session's.
    opt_steps = [v for k, v in load_upscaler(path).section("opt").items() if k.endswith(".step")]
    assert opt_steps and all(int(v) == again.step for v in opt_steps)


def test_a_folder_of_too_small_pictures_is_refused_in_words(pictures: Path):
    with pytest.raises(PicturesTooSmall, match=r"The folder's pictures are 64 px: a ×4 upscale of a 32 px run needs "
                                                r"128 px pictures"):
        folder_pairs(pictures, DataConfig(resolution=32), 4, None)


def test_a_damaged_upscaler_file_is_a_sentence(tmp_path: Path):
    path = tmp_path / "x2.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    with pytest.raises(StudioError, match="damaged or not a GAN Studio upscaler"):
        load_upscaler(path)


def test_exports_choose_the_learned_upscale_only_when_asked_and_the_run_has_one(pairs, tmp_path: Path, one_thread):
    run = tmp_path / "run"
    run.mkdir()
    assert choose_upscale(run, 2).kind == LANCZOS  # none yet: Lanczos
    with pytest.raises(StudioError, match=r"no learned ×2 upscale yet: train one with `studio upscaler RUN"):
        choose_upscale(run, 2, LEARNED)
    budget, clock = steps(2)
    r = train_upscaler(pairs, upscaler_path(run, 2), budget, clock=clock)
    # "auto" stays Lanczos even now: it measured better on generated pictures (bench/RESULTS.md, issue 25)
    assert choose_upscale(run, 2).kind == LANCZOS
    up = choose_upscale(run, 2, LEARNED)
    assert up.kind == LEARNED and up.sha256 == r.sha256 and up.step == r.step
    assert choose_upscale(run, 2, LANCZOS).kind == LANCZOS
    assert choose_upscale(run, 4).kind == LANCZOS  # no ×4 file
    with pytest.raises(StudioError, match="trained further since this picture was made"):
        choose_upscale(run, 2, LEARNED, sha256="0" * 64)
    img = pairs.held_out.low[0]
    assert np.array_equal(up(img, 2), up(img, 2)) and up(img, 2).shape == (32, 32, 3)


def test_a_recipe_records_its_upscale_and_one_from_before_means_lanczos():
    from studio.core.formats.recipe import Recipe
    from studio.core.formats.upscale_record import UpscaleRecord

    old = Recipe.from_json({"seeds": [3], "upscale": 2})  # a PNG from before the learned upscale
    assert old.upscaler == LANCZOS and old.upscale_record == UpscaleRecord()
    assert "upscaler" not in old.to_json()
    made = Recipe(seeds=[3]).with_upscale(2, UpscaleRecord(LEARNED, "ab" * 32, 40))
    again = Recipe.from_json(made.to_json())
    assert again.upscale_record == UpscaleRecord(LEARNED, "ab" * 32, 40) and again.upscale == 2
    for bad in ({"upscaler": "bicubic"}, {"upscaler": "learned"}, {"upscaler": "learned", "upscaler_sha256": "x"},
                {"upscaler_sha256": "ab" * 32}):
        with pytest.raises(StudioError, match="upscaler"):
            Recipe.from_json({"seeds": [3], "upscale": 2, **bad})
