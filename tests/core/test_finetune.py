"""Fine-tuning from an earlier run: weights loaded and trained, FreezeD, mismatches, the pinned source."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from studio.core.demo import write_demo_data
from studio.core.errors import StudioError
from studio.core.formats.checkpoint import file_sha256, load_checkpoint
from studio.core.training.config import TrainConfig
from studio.core.training.finetune import find_source
from studio.core.training.trainer import Trainer


def tiny_config(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu",
                steps=3)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture
def new_folder(tmp_path: Path) -> Path:
    """A second, different folder to fine-tune on."""
    return write_demo_data(tmp_path / "new-images", count=12, size=16)


def _source_run(folder: Path, run: Path, **kw) -> Path:
    fin = Trainer(tiny_config(folder, **kw), run).train()
    return Path(fin.checkpoint)


def _state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("model", ["dcgan", "style"])
def test_init_from_loads_the_weights_and_trains(tiny_folder: Path, new_folder: Path, tmp_path: Path, model: str):
    ckpt_path = _source_run(tiny_folder, tmp_path / "old", model=model)
    src = load_checkpoint(ckpt_path)
    # Width and latent size left automatic (0): taken from the source.
    cfg = tiny_config(new_folder, model=model, width=0, z_dim=0, steps=4, init_from={"run": str(tmp_path / "old")})
    trainer = Trainer(cfg, tmp_path / "new")
    for name, module in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema)):
        for k, v in module.state_dict().items():
            assert torch.equal(v, src.section(name)[k]), f"{name}.{k} was not loaded"
    assert trainer.step_count == 0 and trainer.nimg == 0
    assert not trainer.opt_g.state and not trainer.opt_d.state  # optimisers start fresh
    assert trainer.cfg.ema_rampup is None  # the source's averaged weights are not thrown away
    recorded = json.loads((tmp_path / "new" / "config.json").read_text())["init_from"]
    assert recorded == {"run": str((tmp_path / "old").resolve()), "checkpoint": str(ckpt_path.resolve()),
                        "sha256": file_sha256(ckpt_path), "step": 3}
    before = _state(trainer.G)
    fin = trainer.train()
    assert fin.reason == "completed" and fin.step == 4
    assert any(not torch.equal(before[k], v) for k, v in trainer.G.state_dict().items())
    assert trainer.cfg.width == 16 and trainer.cfg.z_dim == 16


def test_ema_starts_from_the_source_ema(tiny_folder: Path, new_folder: Path, tmp_path: Path):
    # No ramp-up in the source: its average stays far from its raw generator.
    ckpt_path = _source_run(tiny_folder, tmp_path / "old", model="style", steps=4, ema_rampup=None)
    src = load_checkpoint(ckpt_path)
    trainer = Trainer(tiny_config(new_folder, model="style", steps=1, init_from={"run": str(ckpt_path)}),
                      tmp_path / "new")
    trainer.step()
    # One step of a 10-kimg half-life barely moves the average: it is the source's, not the raw G's.
    ema = dict(trainer.G_ema.named_parameters())  # weights (buffers such as w_avg are copied, not averaged)
    drift_from_source_ema = max(float((p - src.section("G_ema")[k]).abs().max()) for k, p in ema.items())
    live = {k: p.detach() for k, p in trainer.G.named_parameters()}
    drift_from_g = max(float((p - live[k]).abs().max()) for k, p in ema.items())
    assert drift_from_source_ema < 1e-3 < drift_from_g
    trainer.close()


@pytest.mark.parametrize("model", ["dcgan", "style"])
def test_frozen_blocks_do_not_change(tiny_folder: Path, new_folder: Path, tmp_path: Path, model: str):
    _source_run(tiny_folder, tmp_path / "old", model=model, resolution=32)
    cfg = tiny_config(new_folder, model=model, resolution=32, steps=4, init_from={"run": str(tmp_path / "old")},
                      freeze_d=2, r1_interval=2)
    trainer = Trainer(cfg, tmp_path / "new")
    blocks = trainer.D.trunk_blocks()
    assert len(blocks) == 3
    frozen = {id(t) for m in blocks[0] + blocks[1] for t in list(m.parameters()) + list(m.buffers())}
    names_frozen = [k for k, t in list(trainer.D.named_parameters()) + list(trainer.D.named_buffers())
                    if id(t) in frozen]
    assert names_frozen
    before = _state(trainer.D)
    trainer.train()
    after = trainer.D.state_dict()
    for k in names_frozen:  # bitwise: weights, and batch-norm statistics of frozen blocks
        assert torch.equal(before[k], after[k]), f"frozen {k} changed"
    moved = [k for k in after if k not in names_frozen and after[k].is_floating_point()
             and not torch.equal(before[k], after[k])]
    assert any(k.startswith(("out", "fc", "conv", "features.5", "blocks.2")) for k in moved), moved


def test_frozen_run_resumes(tiny_folder: Path, new_folder: Path, tmp_path: Path):
    _source_run(tiny_folder, tmp_path / "old")
    cfg = tiny_config(new_folder, steps=2, init_from={"run": str(tmp_path / "old")}, freeze_d=1)
    Trainer(cfg, tmp_path / "new").train()
    t = Trainer(dataclasses.replace(cfg, steps=4), tmp_path / "new", resume=True)
    assert t.step_count == 2 and t.cfg.freeze_d == 1
    assert t.train().step == 4


def test_mismatches_are_explained(tiny_folder: Path, new_folder: Path, tmp_path: Path):
    _source_run(tiny_folder, tmp_path / "old")
    src = {"run": str(tmp_path / "old")}
    cases = [
        (dict(model="style"), "trained with the dcgan model and this run is set to style"),
        (dict(resolution=32), "trained at 16 px and this run is set to 32 px"),
        (dict(width=32), "network width 16"),
        (dict(loss="wgan-gp"), "WGAN-GP"),
    ]
    for i, (kw, sentence) in enumerate(cases):
        with pytest.raises(StudioError, match=sentence):
            Trainer(tiny_config(new_folder, init_from=src, **kw), tmp_path / f"new{i}")
    # Classes: known only once the new folder is read.
    classed = tmp_path / "classed"
    for name in ("cats", "dogs"):
        write_demo_data(classed / name, count=6, size=16)
    with pytest.raises(StudioError, match="no classes and the new images have 2 classes"):
        Trainer(tiny_config(classed, classes=True, init_from=src), tmp_path / "new-classes")
    with pytest.raises(StudioError, match="0–2"):
        Trainer(tiny_config(new_folder, init_from=src, freeze_d=3), tmp_path / "new-freeze")
    with pytest.raises(StudioError, match="only helps when fine-tuning"):
        Trainer(tiny_config(new_folder, freeze_d=1), tmp_path / "new-nosource")
    with pytest.raises(StudioError, match="no checkpoint"):
        (tmp_path / "empty-run").mkdir()
        find_source(tmp_path / "empty-run")


def test_changed_source_is_refused(tiny_folder: Path, new_folder: Path, tmp_path: Path):
    ckpt_path = _source_run(tiny_folder, tmp_path / "old")
    source = find_source(tmp_path / "old")
    assert source.sha256 == file_sha256(ckpt_path) and source.spec.name == "dcgan"
    assert source.discriminator_blocks == 2 and "16 px" in source.describe()
    # The run goes on after the source was chosen: its checkpoint file is rewritten.
    data = bytearray(ckpt_path.read_bytes())
    data[-1] ^= 1
    ckpt_path.write_bytes(bytes(data))
    with pytest.raises(StudioError, match="has changed since it was chosen"):
        Trainer(tiny_config(new_folder, init_from=source.record()), tmp_path / "new")
