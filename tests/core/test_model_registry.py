"""The model registry (core/models/registry.py): each entry says the truth about the networks it builds, the
recipe reads its defaults from it, and a model added as one entry reaches validation, the recipe, the
builder and `studio train --model` with nothing else edited."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from studio.core.errors import StudioError
from studio.core.models import ModelSpec, build_models
from studio.core.models.registry import ARCHITECTURES, architecture
from studio.core.training.config import TrainConfig, resolve


def noise_inputs(G) -> list:
    """What the renderer switches: the modules with a noise strength (core/explore/render.py)."""
    return [m for m in G.modules() if hasattr(m, "noise_strength")]


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_each_entry_describes_the_networks_it_builds(name: str):
    kind = architecture(name)
    G, D = build_models(ModelSpec(name=name, resolution=16, z_dim=8, width=8))
    assert G.num_ws > 1 if kind.per_layer_w else G.num_ws == 1
    assert hasattr(G, "layer_groups") == kind.per_layer_w
    # The Quick style-based model's noise inputs were invisible to the renderer (issue 27 item 4).
    assert bool(noise_inputs(G)) == kind.noise
    if not kind.grows:
        with pytest.raises(StudioError, match="trains at one size"):
            TrainConfig(model=name, progressive=True, steps=1).validate()


def test_the_quick_style_models_noise_is_switched_by_the_renderer(tmp_path):
    """Exploring a Quick style-based checkpoint finds its noise inputs, and switching one off changes the
    picture (before, the renderer found none and the Noise tab said the model had none)."""
    import numpy as np

    from studio.core.explore.render import Recipe, Renderer
    from tests.core.test_explore import make_run

    r = Renderer.open(make_run("quickstyle", tmp_path), "cpu", cache_dir=tmp_path / "cache")
    assert len(r.noise_layers) == r.G.num_ws
    for m in r.noise_layers:  # a 2-step run has barely moved the strengths from zero: make them show
        m.noise_strength.data.fill_(1.0)
    on = r.render(Recipe(seeds=[3]))
    off = r.render(Recipe(seeds=[3], noise_layers=[False] * len(r.noise_layers)))
    assert not np.array_equal(on, off)


@pytest.mark.parametrize(("name", "device", "expected"), [
    # (lr, beta1, beta2, r1_gamma, ema_kimg, z_dim, width) at 32 px: the recipe before the registry existed.
    ("dcgan", "cpu", (1e-3, 0.5, 0.999, 0.0, 10.0, 100, 32)),
    ("quickstyle", "cpu", (1e-3, 0.5, 0.999, 0.0, 10.0, 100, 32)),
    ("style", "cpu", (2e-3, 0.0, 0.99, max(0.05, 0.0002 * 32 * 32 / 32), 10.0, 256, 32)),
    ("style", "cuda", (2e-3, 0.0, 0.99, max(0.05, 0.0002 * 32 * 32 / 64), 10.0, 256, 256)),
])
def test_resolve_takes_each_models_defaults_from_its_entry(name, device, expected):
    cfg = resolve(TrainConfig(model=name, resolution=32, steps=10), 500, device)
    assert (cfg.lr_g, cfg.beta1, cfg.beta2, cfg.r1_gamma, cfg.ema_kimg, cfg.z_dim, cfg.width) == pytest.approx(
        expected)
    assert cfg.lr_d == cfg.lr_g


def test_a_model_added_as_one_entry_reaches_every_reader(monkeypatch: pytest.MonkeyPatch):
    from studio.cli import build_parser
    from studio.core.formats.checkpoint_state import model_spec_of
    from studio.core.training.suggest import recognisable_kimg

    wide = dataclasses.replace(ARCHITECTURES["dcgan"], name="wide", label="Wide", choice="Wide (test)", lr=3e-4,
                               width=lambda side, gpu: 24, recognisable_kimg={32: 7.0})
    monkeypatch.setitem(ARCHITECTURES, "wide", wide)
    cfg = resolve(TrainConfig(model="wide", resolution=32, steps=10), 500, "cpu")
    assert (cfg.lr_g, cfg.width) == (3e-4, 24)
    assert recognisable_kimg("wide", 32) == 7.0
    G, _ = build_models(model_spec_of("a checkpoint", {"name": "wide", "resolution": 16, "z_dim": 8, "width": 8}))
    assert G.resolution == 16
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    model = next(a for a in sub.choices["train"]._actions if a.dest == "model")
    assert "wide" in model.choices and "Wide" in model.help


def test_an_unknown_model_is_refused_with_the_choices():
    with pytest.raises(StudioError, match="Unknown model 'big'.*dcgan, quickstyle, style"):
        TrainConfig(model="big").validate()
