"""Training for real at tiny non-square shapes (24×16 landscape, 16×24 portrait): both models, resume
bit-exactly, class-conditional, growing; old square checkpoints keep loading; fine-tuning across shapes
is refused with a sentence."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from studio.core.models.registry import ARCHITECTURES
from studio.core.errors import StudioError
from studio.core.explore.loading import load_generator
from studio.core.training.config import TrainConfig
from studio.core.training.trainer import Trainer


def tiny(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), resolution=24, aspect="3:2", batch=4, width=16, z_dim=16, grid=4, device="cpu",
                steps=2)
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.parametrize("model", list(ARCHITECTURES))
@pytest.mark.parametrize("aspect, hw", [("3:2", (16, 24)), ("2:3", (24, 16))])
def test_both_models_train_and_generate_the_shape(tiny_folder: Path, tmp_path: Path, model, aspect, hw):
    trainer = Trainer(tiny(tiny_folder, model=model, aspect=aspect), tmp_path / "run")
    assert trainer.dataset.images.shape[1:3] == hw
    before = [p.detach().clone() for p in trainer.G.parameters()]
    fin = trainer.train()
    assert fin.reason == "completed"
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.G.parameters()))  # it trained
    assert trainer.preview_images().shape[-2:] == hw
    G, ckpt = load_generator(fin.checkpoint)
    img = G(torch.randn(3, G.z_dim))
    assert tuple(img.shape) == (3, 3, *hw) and torch.isfinite(img).all()
    assert (ckpt.state.spec.canvas.width, ckpt.state.spec.canvas.height) == (hw[1], hw[0])
    assert ckpt.state.to_json()["canvas"] == [hw[1], hw[0]]
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["aspect"] == aspect and saved["resolution"] == 24


def test_resume_equals_uninterrupted(tiny_folder: Path, tmp_path: Path):
    # Style model, R1 every other step, style mixing and DiffAugment: the state a checkpoint must carry.
    cfg = tiny(tiny_folder, model="style", aspect="2:3", steps=5, r1_interval=2, augment="diff")

    def run(trainer: Trainer, n: int) -> list[dict]:
        return [{k: float(v) for k, v in trainer.step().items()} for _ in range(n)]

    straight = Trainer(cfg, tmp_path / "a")
    ref = run(straight, 5)
    straight.close()
    first = Trainer(dataclasses.replace(cfg, steps=3), tmp_path / "b")
    got = run(first, 3)
    first.save_checkpoint()
    first.close()
    second = Trainer(dataclasses.replace(cfg, steps=5), tmp_path / "b", resume=True)
    assert second.spec.canvas.describe() == "16×24 px (2:3 portrait)"
    got += run(second, 2)
    second.close()
    assert got == ref
    for a, b in zip(straight.G_ema.state_dict().values(), second.G_ema.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_conditional_and_growing_keep_the_shape(tmp_path: Path):
    for name, col in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (30, 20), col).save(tmp_path / "data" / name / f"{i}.png")
    for model in ("dcgan", "style"):
        cfg = tiny(tmp_path / "data", model=model, classes=True, progressive=True, steps=4, progressive_kimg=0.004)
        trainer = Trainer(cfg, tmp_path / f"run-{model}")
        assert trainer.G.stage_res == 8  # the first stage: a 12×8 picture, the block doubled once
        assert trainer.G(torch.randn(2, 16), torch.tensor([0, 1])).shape[-2:] == (8, 12)
        assert trainer.preview_images().shape[-2:] == (16, 24)  # previews: every stage at the full size
        fin = trainer.train()
        G, ckpt = load_generator(fin.checkpoint)
        assert G.num_classes == 2 and ckpt.state.class_names == ["blue", "red"]
        assert G(torch.randn(2, G.z_dim), torch.tensor([0, 1])).shape == (2, 3, 16, 24)


def _strip_shape(path: Path) -> None:
    """Rewrite a checkpoint as one written before shapes existed: no block in its model description, no
    canvas, no aspect in its config."""
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    state = json.loads(meta["studio"])
    for key in ("block_w", "block_h"):
        del state["spec"][key]
    del state["canvas"]
    del state["config"]["aspect"]
    save_file(tensors, str(path), metadata={"studio": json.dumps(state)})


def test_old_square_checkpoint_loads_and_resumes(tiny_folder: Path, tmp_path: Path):
    cfg = tiny(tiny_folder, model="dcgan", aspect="1:1", resolution=16)
    fin = Trainer(cfg, tmp_path / "run").train()
    G_new, _ = load_generator(fin.checkpoint)
    _strip_shape(Path(fin.checkpoint))
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    del config["aspect"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))
    G, ckpt = load_generator(fin.checkpoint)
    assert ckpt.state.spec.block == (4, 4)
    z = torch.randn(2, G.z_dim)
    assert torch.equal(G(z), G_new(z)) and G(z).shape == (2, 3, 16, 16)
    resumed = Trainer(dataclasses.replace(cfg, steps=3), tmp_path / "run", resume=True)
    assert resumed.step_count == 2 and resumed.cfg.aspect == "1:1"
    assert resumed.train().step == 3


def test_fine_tuning_from_another_shape_is_refused(tiny_folder: Path, tmp_path: Path):
    Trainer(tiny(tiny_folder, model="dcgan"), tmp_path / "landscape").train()
    square = tiny(tiny_folder, model="dcgan", aspect="1:1", resolution=16,
                  init_from={"run": str(tmp_path / "landscape")}, width=0, z_dim=0)
    with pytest.raises(StudioError, match=r"24×16 px \(3:2 landscape\) pictures .* 16×16 px \(square\)"):
        Trainer(square, tmp_path / "tuned")
    assert not (tmp_path / "tuned" / "checkpoints").exists() or not any((tmp_path / "tuned" / "checkpoints").iterdir())
    portrait = dataclasses.replace(square, aspect="2:3", resolution=24)
    with pytest.raises(StudioError, match="--aspect 3:2 --resolution 24"):
        Trainer(portrait, tmp_path / "tuned2")
    same = dataclasses.replace(square, aspect="3:2", resolution=24, steps=1)
    assert Trainer(same, tmp_path / "tuned3").train().reason == "completed"


def test_samples_grid_is_laid_out_for_the_shape(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, model="dcgan", grid=16, steps=1), tmp_path / "run")
    grid = trainer.sample_grid()
    trainer.close()
    # 16 landscape pictures (24×16): 4 columns of 4 rows; the grid comes out about square.
    assert grid.shape == (4 * 18 + 2, 4 * 26 + 2, 3)
    assert np.asarray(grid).dtype == np.uint8
