"""core.metrics: the maths on known distributions, the Inception features, the cache, and the metrics
computed during training and by `studio metrics`."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import StudioError
from studio.core.metrics import scores
from studio.core.metrics.inception import availability

INCEPTION_OK, INCEPTION_WHY = availability()
needs_inception = pytest.mark.skipif(not INCEPTION_OK, reason=f"no Inception weights here: {INCEPTION_WHY}")


# ---------------------------------------------------------------------------------------------- FID
def test_fid_of_a_set_with_itself_is_zero():
    f = np.random.RandomState(0).randn(300, 64)
    assert abs(scores.fid(f, f)) < 1e-6
    big = np.random.RandomState(1).randn(100, 512)  # fewer samples than dimensions: the low-rank route
    assert abs(scores.fid(big, big)) < 1e-6


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    rng = np.random.RandomState(0)
    mu1, mu2 = rng.randn(6), rng.randn(6)
    v1, v2 = rng.uniform(0.5, 2, 6), rng.uniform(0.5, 2, 6)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()
    assert scores.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-9)


def test_both_fid_routes_agree():
    rng = np.random.RandomState(2)
    a, b = rng.randn(40, 30), rng.randn(60, 30) * 1.3 + 0.2  # low-rank route: 40·60·40 < 2·30³
    exact = scores.frechet_distance(*scores.gaussian_stats(a), *scores.gaussian_stats(b))
    assert scores.fid(a, b) == pytest.approx(exact, rel=1e-8)


# ---------------------------------------------------------------------------------------------- KID
def test_kid_is_unbiased_on_known_gaussians():
    """x ~ N(0, I), y ~ N(0, 1.5² I) in d dimensions with k = (x·y/d + 1)³ have MMD² = 3 (1 - 1.5²)² / d
    exactly (odd moments of x·y vanish; E (x·y)² = d σx² σy²). Small subsets (n = 50) must average to it;
    the biased estimator (diagonals kept) is far off at this size, so the test can tell them apart."""
    d, n = 8, 50
    truth = 3 * (1 - 1.5**2) ** 2 / d
    rng = np.random.RandomState(1)
    estimates, biased = [], []
    for i in range(40):
        x, y = rng.randn(150, d), rng.randn(150, d) * 1.5
        estimates.append(scores.kid(y, x, subsets=20, subset_size=n, seed=i)[0])
        xs, ys = x[:n], y[:n]
        k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
        biased.append(k(xs, xs).mean() + k(ys, ys).mean() - 2 * k(xs, ys).mean())
    standard_error = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - truth) < 3 * standard_error + 0.01
    assert abs(np.mean(biased) - truth) > 0.5


def test_kid_of_one_distribution_is_zero_on_average():
    rng = np.random.RandomState(3)
    values = [scores.kid(rng.randn(150, 8), rng.randn(150, 8), subsets=20, subset_size=50, seed=i)[0]
              for i in range(30)]
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values)) + 1e-3
    assert min(values) < 0  # unbiased: it can go below zero, as it should


# ------------------------------------------------------------------------------- density/coverage
def test_identical_sets_have_full_coverage_and_density_near_one():
    a = np.random.RandomState(0).randn(400, 16)
    m = scores.manifold_scores(a, a, k=5)
    assert m["precision"] == m["recall"] == m["coverage"] == 1.0
    # Each fake sits in its own ball and in its k neighbours' balls: (k + 1) / k.
    assert m["density"] == pytest.approx(1.2)


def test_two_samples_of_one_distribution_score_near_one():
    rng = np.random.RandomState(1)
    m = scores.manifold_scores(rng.randn(600, 16), rng.randn(600, 16), k=5)
    assert m["density"] == pytest.approx(1.0, abs=0.12)
    assert m["coverage"] == pytest.approx(1 - 0.5**5, abs=0.04)  # Naeem et al.: 1 - 1/2^k for equal sizes
    assert m["precision"] > 0.8 and m["recall"] > 0.8


def test_sharp_but_repetitive_differs_from_diverse_but_blurry():
    rng = np.random.RandomState(2)
    real = rng.randn(500, 16)
    repetitive = np.repeat(real[:5], 100, axis=0) + rng.randn(500, 16) * 0.01
    blurry = rng.randn(500, 16) * 2.0
    rep = scores.manifold_scores(real, repetitive)
    blur = scores.manifold_scores(real, blurry)
    assert rep["precision"] > 0.9 and rep["coverage"] < 0.1  # on the manifold, covering little of it
    assert blur["recall"] > 0.9 and blur["density"] < 0.1  # covers everything, mostly off the manifold


# --------------------------------------------------------------------------------------- Inception
def test_unavailable_weights_are_explained(tmp_path: Path):
    ok, why = availability(tmp_path / "missing.pt")
    assert not ok and "does not exist" in why


def test_a_pickle_is_refused_as_weights(tmp_path: Path):
    from studio.core.metrics.inception import InceptionFeatures

    bad = tmp_path / "weights.pt"
    bad.write_bytes(pickle.dumps({"not": "a network"}))
    with pytest.raises(StudioError, match="not a TorchScript archive"):
        InceptionFeatures(bad)


@pytest.fixture(scope="module")
def inception():
    if not INCEPTION_OK:
        pytest.skip(f"no Inception weights here: {INCEPTION_WHY}")
    from studio.core.metrics.inception import InceptionFeatures

    return InceptionFeatures(batch=16)


def _images(folder: Path, res: int = 32) -> np.ndarray:
    from studio.core.data import DataConfig, ImageFolder

    return ImageFolder(folder, DataConfig(res)).images


@needs_inception
def test_real_images_are_closer_to_each_other_than_to_noise(inception, twemoji_sample: Path):
    images = _images(twemoji_sample)[:24]
    feats = inception(images)
    assert feats.shape == (24, 2048) and np.isfinite(feats).all()
    # Deterministic; another batch size changes only float rounding (oneDNN picks other kernels).
    np.testing.assert_allclose(inception(images[:3]), feats[:3], rtol=1e-4, atol=1e-5)
    noise = np.random.RandomState(0).randint(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    noise_feats = inception(noise)
    same = scores.kid(feats[:12], feats[12:], subsets=10)[0]
    other = scores.kid(feats[:12], noise_feats, subsets=10)[0]
    assert other > 10 * max(same, 1e-4)
    assert scores.fid(feats, feats) == pytest.approx(0, abs=1e-3)


@needs_inception
def test_reference_features_are_cached_per_content(inception, tmp_path: Path, twemoji_sample: Path):
    from studio.core.metrics.reference import real_features

    images = _images(twemoji_sample, 16)[:10]
    first = real_features(images, inception, 8, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("real-16px-8-*.npz"))) == 1

    def refuse() -> bool:
        raise AssertionError("the cache should have answered")

    again = real_features(images, inception, 8, cache_dir=tmp_path, cancel=refuse)
    assert np.array_equal(first, again)
    changed = images.copy()
    changed[0, 0, 0] ^= 255
    real_features(changed, inception, 10, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("real-16px-*.npz"))) == 2


@needs_inception
@pytest.mark.slow
def test_metrics_during_training_reach_the_log_and_the_events(tmp_path: Path, tiny_folder: Path, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_CACHE", str(tmp_path / "cache"))  # not the user's cache
    from studio.core.formats.metrics_rows import Quality
    from studio.core.training.config import TrainConfig
    from studio.core.training.events import Message
    from studio.core.training.trainer import Trainer

    cfg = TrainConfig(data=str(tiny_folder), model="dcgan", resolution=16, batch=8, steps=100_000, width=8,
                      device="cpu", metrics_every=0.02, metrics_samples=10, checkpoint_minutes=60,
                      keep_checkpoints=100)  # a slow evaluation (a loaded machine) outlives no checkpoint's pruning
    trainer = Trainer(cfg, tmp_path / "run")
    quality: list[Quality] = []
    messages = []
    try:
        for ev in trainer.events():
            if isinstance(ev, Quality):
                quality.append(ev)
                trainer.stop()
            elif isinstance(ev, Message):
                messages.append(ev.text)
    finally:
        trainer.close()
    assert quality, messages
    q = quality[0]
    assert q.fake_count == 10 and q.real_count == 24 and np.isfinite(q.kid) and q.kimg >= 0.02
    records = [r for r in map(json.loads, (tmp_path / "run" / "metrics.jsonl").read_text().splitlines())
               if "kid" in r]
    assert records and {"kimg", "step", "kid", "fid", "density", "coverage"} <= set(records[0])
    assert (tmp_path / "run" / "checkpoints" / "best.safetensors").exists()  # the best-checkpoint keeper got the KID


def test_unavailable_metrics_warn_and_training_goes_on(tmp_path: Path, tiny_folder: Path):
    from studio.core.training.config import TrainConfig
    from studio.core.training.events import Finished, Message
    from studio.core.training.trainer import Trainer

    cfg = TrainConfig(data=str(tiny_folder), model="dcgan", resolution=16, batch=8, steps=3, width=8, device="cpu",
                      metrics_every=0.01, inception=str(tmp_path / "nowhere.pt"))
    trainer = Trainer(cfg, tmp_path / "run")
    events = list(trainer.events())
    trainer.close()
    warnings = [e.text for e in events if isinstance(e, Message) and e.level == "warning"]
    assert any("does not exist" in w and "goes on" in w for w in warnings)
    assert isinstance(events[-1], Finished) and events[-1].step == 3


@needs_inception
@pytest.mark.slow
def test_cli_metrics_scores_a_run(tmp_path: Path, tiny_folder: Path, capsys, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_CACHE", str(tmp_path / "cache"))
    from studio.cli import run_cli

    run = tmp_path / "run"
    assert run_cli(["train", str(tiny_folder), "--out", str(run), "--model", "dcgan", "--resolution", "16",
                    "--steps", "2", "--width", "8", "--batch", "4", "--quiet", "--device", "cpu"]) == 0
    capsys.readouterr()
    assert run_cli(["metrics", str(run), "--samples", "10", "--real", "12", "--json", "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fake_count"] == 10 and out["real_count"] == 12 and out["kid"] > 0 and out["step"] == 2


def test_cli_metrics_says_when_metrics_are_unavailable(tmp_path: Path, capsys):
    from studio.cli import run_cli

    assert run_cli(["metrics", str(tmp_path), "--inception", str(tmp_path / "none.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err
