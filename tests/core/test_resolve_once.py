"""A run's config is resolved once, into the one value every part of the Trainer gets (issue 16).

Nothing is mocked: resolve runs for real, the Trainer reads a real folder and trains, and the number of
times resolve runs is counted by watching calls to its code object (sys.setprofile), not by replacing it."""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from studio.core.training import config as config_module
from studio.core.training.config import TrainConfig, resolve
from studio.core.training.losses import LOSSES
from studio.core.training.trainer import Trainer, model_spec

NO_CUDA = "no CUDA device here (torch.cuda.is_available() is False)"


def tiny_config(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu", steps=2)
    base.update(kw)
    return TrainConfig(**base)


def count_resolves(make: Callable[[], object]) -> tuple[object, int]:
    """What `make()` returns, and how many times `config.resolve` ran meanwhile (in any thread)."""
    code = config_module.resolve.__code__
    calls = 0

    def watch(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code is code:
            calls += 1

    sys.setprofile(watch)
    try:
        made = make()
    finally:
        sys.setprofile(None)
    return made, calls


# Automatic and hand-set choices of every kind that resolve fills in.
CONFIGS = [
    dict(model=model, loss=loss, batch=batch, **extra)
    for model, loss, batch in itertools.product(("auto", "dcgan", "style"), LOSSES, (0, 24))
    for extra in ({}, dict(kimg=2.0, progressive=True), dict(minutes=3.0, progressive=True, resolution=64),
                  dict(steps=50, progressive=True, aspect="16:9"), dict(r1_gamma=0.5, lr_g=1e-4, augment="ada"))
]


@pytest.mark.parametrize("device_type", ["cpu", "cuda", "mps"])
def test_resolving_a_resolved_config_changes_nothing(device_type: str):
    """A resumed run resolves its saved config.json again: a resolve that is not idempotent would change a
    run's recipe between sessions (and would make any second resolve disagree with the first)."""
    for kw in CONFIGS:
        once = resolve(TrainConfig(data="x", resolution=kw.pop("resolution", 32), **kw), 500, device_type)
        twice = resolve(once, 500, device_type)
        assert twice == once, kw
        assert TrainConfig.from_json(json.loads(json.dumps(once.to_json()))) == once  # as config.json keeps it


@pytest.mark.parametrize("loss", LOSSES)
def test_a_chosen_batch_is_counted_by_everything_that_depends_on_it(loss: str):
    """The automatic batch is chosen inside the one resolve, after the networks are settled and before what
    counts the batch (R1's automatic weight, the progressive phases): the result is the config that the
    same batch given by hand resolves to. Choosing after resolving would leave R1's weight and the phases
    computed for the recipe's batch."""
    base = TrainConfig(data="x", model="style", resolution=64, loss=loss, steps=400, progressive=True)
    seen: list[TrainConfig] = []

    def choose(cfg: TrainConfig) -> int:
        seen.append(cfg)
        return 8

    chosen = resolve(base, 500, "cuda", choose)
    assert chosen == resolve(dataclasses.replace(base, batch=8), 500, "cuda")
    assert len(seen) == 1 and seen[0].batch == 64  # asked once, told the recipe's batch
    # what the networks are built from is already what the run builds
    assert model_spec(seen[0], 0) == model_spec(chosen, 0)
    assert resolve(chosen, 500, "cuda", choose) == chosen and len(seen) == 1  # a batch set is never re-chosen
    assert resolve(dataclasses.replace(base, batch=16), 500, "cuda", choose).batch == 16 and len(seen) == 1


def test_an_impossible_chosen_batch_is_refused_with_a_sentence():
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="automatic batch size came out as 0"):
        resolve(TrainConfig(data="x", resolution=32), 500, "cuda", lambda cfg: 0)


def test_the_trainer_resolves_once_and_every_part_gets_that_value(tiny_folder: Path, tmp_path: Path):
    cfg = tiny_config(tiny_folder, batch=0, model="auto", augment="auto")
    trainer, calls = count_resolves(lambda: Trainer(cfg, tmp_path / "run"))
    try:
        assert calls == 1
        expected = resolve(cfg, len(trainer.dataset), "cpu")
        assert trainer.cfg == expected
        assert TrainConfig.from_json(trainer.run.read_config()) == expected  # config.json
        # the parts hold the very same record, not copies resolved on their own
        assert trainer.gan.cfg is trainer.cfg and trainer.keeper.cfg is trainer.cfg
        assert trainer.quality.cfg is trainer.cfg
        assert trainer.spec == model_spec(expected, trainer.dataset.num_classes)
        assert trainer.batch_reason == f"batch {expected.batch}"
        trainer.train()
    finally:
        trainer.close()

    resumed, calls = count_resolves(lambda: Trainer(tiny_config(tiny_folder, steps=4), tmp_path / "run",
                                                    resume=True))
    try:
        assert calls == 1
        assert resumed.cfg == dataclasses.replace(expected, steps=4)  # only the length changes
        assert resumed.batch_reason == f"batch {expected.batch} (set by hand)"
        resumed.train()
    finally:
        resumed.close()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)
def test_the_trainer_fits_its_gpu_batch_inside_the_one_resolve(tiny_folder: Path, tmp_path: Path):
    """On a GPU the automatic batch is measured; it used to be measured from a first resolve and the config
    resolved a second time with it."""
    cfg = tiny_config(tiny_folder, batch=0, model="style", device="cuda", steps=1)
    trainer, calls = count_resolves(lambda: Trainer(cfg, tmp_path / "run"))
    try:
        assert calls == 1
        assert "GiB of GPU memory free" in trainer.batch_reason, trainer.batch_reason
        assert trainer.cfg == resolve(dataclasses.replace(cfg, batch=trainer.batch), len(trainer.dataset), "cuda")
        trainer.train()
    finally:
        trainer.close()
