"""A run's config.json has one reader, TrainConfig.from_json: values of the wrong kind are refused in words,
`validate` changes nothing, `resolve` canonicalises, and the step count of a run given in kimg is the one
the trainer trains (a last partial batch is a step)."""

from __future__ import annotations

import dataclasses

import pytest

from studio.core.errors import StudioError
from studio.core.training.config import TrainConfig, resolve, total_steps


def test_validate_changes_nothing_and_resolve_canonicalises():
    cfg = TrainConfig(model="dcgan", loss="BCE", steps=10)
    before = dataclasses.replace(cfg)
    cfg.validate()
    assert cfg == before  # it used to rename the loss as it checked it
    assert resolve(cfg, 500, "cpu").loss == "logistic"
    with pytest.raises(StudioError, match="Unknown loss 'nonsense'"):
        TrainConfig(loss="nonsense").validate()


@pytest.mark.parametrize(("raw", "words"), [
    ({"steps": "ten"}, "steps = 'ten', which is not a whole number"),
    ({"mirror": 1}, "mirror = '1', which is not true or false"),
    ({"kimg": True}, "kimg = 'True', which is not a number"),
    ({"model": None}, "model = 'None', which is not text"),
])
def test_a_setting_of_the_wrong_kind_is_refused_in_words(raw, words):
    with pytest.raises(StudioError, match=words):
        TrainConfig.from_json({"data": "images", **raw})


def test_what_a_config_json_lacks_takes_the_configs_defaults():
    cfg = TrainConfig.from_json({"data": "images", "kimg": 2, "batch": 24})
    assert (cfg.mirror, cfg.augment, cfg.kimg) == (False, "auto", 2)
    with pytest.raises(StudioError, match="not a list of settings"):
        TrainConfig.from_json(["data"])


def test_total_steps_counts_a_last_partial_batch():
    assert total_steps(TrainConfig(kimg=1.0, batch=24)) == 42  # 41.67 batches: the trainer trains 42 steps
    assert total_steps(TrainConfig(kimg=1.0, batch=0)) is None  # not settled yet
    assert total_steps(TrainConfig(minutes=5.0, batch=24)) is None


def test_every_setting_reads_back_what_it_wrote():
    """A field added with a kind from_json cannot check would fail here, not in an artist's window."""
    cfg = resolve(TrainConfig(data="images", model="style", minutes=3.0, progressive=True), 500, "cpu")
    assert TrainConfig.from_json(cfg.to_json()) == cfg
