"""The Quick style-based model (models/quickstyle.py): a style per layer on the DCGAN's backbone.

Trained for real at 16 px; what exploring relies on is checked on the trained generator: each layer
reads its own w (mixing changes the picture, and only through the layers mixed), truncation pulls
towards w's running mean, noise is fixed, per seed or off, and a resume is bit-exact."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from studio.core.explore.loading import load_generator
from studio.core.explore.mixing import mix_ws
from studio.core.training.config import TrainConfig
from studio.core.training.trainer import Trainer


def tiny(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), model="quickstyle", resolution=16, batch=4, width=16, z_dim=16, grid=4,
                device="cpu", steps=6)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    from studio.core.demo import write_demo_data

    root = tmp_path_factory.mktemp("quickstyle")
    data = write_demo_data(root / "images", count=24, size=24)
    fin = Trainer(tiny(data), root / "run").train()
    assert fin.reason == "completed"
    return Path(fin.checkpoint)


def test_it_trains_and_every_layer_has_its_own_style(trained: Path):
    G, ckpt = load_generator(trained)
    assert ckpt.state.model == "quickstyle"
    assert G.num_ws == 2  # the 4 px block and the 8 px block (the 16 px picture is their head)
    torch.manual_seed(0)
    z = torch.randn(2, G.z_dim)
    ws = G.mapping(z)
    assert ws.shape == (2, G.num_ws, G.w_dim)
    G.eval()
    with torch.no_grad():
        a, b = G.synthesis(ws[:1]), G.synthesis(ws[1:])
        assert a.shape == (1, 3, 16, 16) and not torch.equal(a, b)
        for layer in range(G.num_ws):  # every w reaches the picture
            mixed = ws[:1].clone()
            mixed[:, layer] = ws[1, layer]
            assert not torch.equal(G.synthesis(mixed), a), f"w {layer} does not change the picture"
        groups = G.layer_groups()
        assert sorted(i for g in groups.values() for i in g) == list(range(G.num_ws))


def test_truncation_pulls_towards_the_mean_w(trained: Path):
    G, _ = load_generator(trained)
    z = torch.randn(4, G.z_dim)
    assert G.w_avg.abs().sum() > 0, "w's running mean was never updated while training"
    full, half = G.mapping(z), G.mapping(z, truncation_psi=0.5)
    assert torch.allclose(half, G.w_avg.lerp(full, 0.5), atol=1e-6)
    assert torch.allclose(G.mapping(z, truncation_psi=0.0)[0, 0], G.w_avg)


def test_noise_is_fixed_per_seed_or_off(trained: Path):
    G, _ = load_generator(trained)
    G.eval()
    for noise in G.noises:  # a trained strength can still be ~0 after 6 steps: make the noise visible
        noise.strength.data.fill_(0.5)
    ws = G.mapping(torch.randn(1, G.z_dim))
    with torch.no_grad():
        const = G.synthesis(ws, noise_mode="const")
        assert torch.equal(const, G.synthesis(ws, noise_mode="const"))
        s1, s1b = G.synthesis(ws, "random", noise_seed=1), G.synthesis(ws, "random", noise_seed=1)
        assert torch.equal(s1, s1b) and not torch.equal(s1, G.synthesis(ws, "random", noise_seed=2))
        assert not torch.equal(G.synthesis(ws, noise_mode="none"), const)


def test_style_mixing_takes_the_layers_asked_for(trained: Path):
    G, _ = load_generator(trained)
    dst, src = G.mapping(torch.randn(1, G.z_dim)), G.mapping(torch.randn(1, G.z_dim))
    mixed = mix_ws(dst, src, range(1, G.num_ws))
    assert torch.equal(mixed[:, 0], dst[:, 0]) and torch.equal(mixed[:, 1:], src[:, 1:])


def test_resume_equals_uninterrupted(tiny_folder: Path, tmp_path: Path):
    # Style mixing and the noise draw from the run's generators; BatchNorm's running statistics and
    # w's running mean are buffers: all of it has to come back from the checkpoint.
    cfg = tiny(tiny_folder, steps=6, style_mixing=0.9)

    def run(trainer: Trainer, n: int) -> list[dict]:
        return [{k: float(v) for k, v in trainer.step().items()} for _ in range(n)]

    straight = Trainer(cfg, tmp_path / "a")
    ref = run(straight, 6)
    straight.close()
    first = Trainer(dataclasses.replace(cfg, steps=3), tmp_path / "b")
    got = run(first, 3)
    first.save_checkpoint()
    first.close()
    second = Trainer(cfg, tmp_path / "b", resume=True)
    got += run(second, 3)
    second.close()
    assert got == ref
    # Every parameter and buffer, persistent or not: a buffer left out of the checkpoint (as w's running
    # mean once could be) restarts at its initial value on resume, and the losses above never read it.
    for net in ("G", "D", "G_ema"):
        a, b = _parameters_and_buffers(getattr(straight, net)), _parameters_and_buffers(getattr(second, net))
        assert a.keys() == b.keys(), net
        for name in a:
            assert torch.equal(a[name], b[name]), f"{net}.{name}"
    assert straight.G_ema.w_avg.abs().sum() > 0  # w's running mean moved: the comparison compares something


def _parameters_and_buffers(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {**dict(module.named_parameters()), **dict(module.named_buffers())}


def test_progressive_growing_is_refused_with_a_sentence(tiny_folder: Path, tmp_path: Path):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="Quick style-based model trains at one size"):
        Trainer(tiny(tiny_folder, progressive=True), tmp_path / "run")
    assert not (tmp_path / "run").exists()
