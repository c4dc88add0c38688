"""Command names and flags are a contract (scripts name them): every command and flag the CLI had when it
became a package (studio/cli/) must still parse. New ones may be added freely."""

from __future__ import annotations

import argparse

from studio.cli import COMMANDS, ORDER, build_parser

CONTRACT = {
    "train": (["data"], ["--augment", "--background", "--batch", "--checkpoint-every", "--checkpoint-minutes",
                         "--classes", "--compile", "--device", "--ema-kimg", "--fit", "--freeze-d", "--inception",
                         "--init-from", "--kimg", "--loss", "--lr", "--metrics-every", "--metrics-samples",
                         "--minutes", "--model", "--no-mirror", "--out", "--precision", "--progressive",
                         "--progressive-kimg", "--progressive-start", "--quiet", "--r1-gamma", "--resolution",
                         "--resume", "--seed", "--snapshot-minutes", "--steps", "--threads", "--width"]),
    "generate": (["run"], ["--class", "--device", "--grid", "--out", "--seeds", "--transparent", "--truncation"]),
    "demo-data": (["out"], ["--count", "--size"]),
    "mix": (["run"], ["--cols", "--device", "--layers", "--out", "--rows", "--scale", "--truncation"]),
    "interpolate": (["run"], ["--device", "--fps", "--frames", "--loop", "--out", "--scale", "--seeds", "--space",
                              "--truncation"]),
    "info": (["file"], ["--json"]),
    "regenerate": (["file"], ["--checkpoint", "--device", "--ignore-checksum", "--out", "--source"]),
    "inpaint": (["run", "image", "mask"], ["--device", "--feather", "--out", "--seed", "--steps", "--w-plus"]),
    "atlas": (["run"], ["--count", "--device", "--first-seed", "--layout", "--out", "--truncation"]),
    "metrics": (["run"], ["--checkpoint", "--data", "--device", "--inception", "--json", "--real", "--samples"]),
}


def test_every_command_and_flag_survives():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, (positionals, flags) in CONTRACT.items():
        assert name in sub.choices, f"the '{name}' command is gone"
        actions = sub.choices[name]._actions
        have = {o for a in actions for o in a.option_strings}
        assert set(flags) <= have, f"{name} lost {sorted(set(flags) - have)}"
        assert [a.dest for a in actions if not a.option_strings][: len(positionals)] == positionals


def test_every_registered_command_is_listed_once():
    assert sorted(COMMANDS) == sorted(ORDER)
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == list(ORDER)


def test_the_loss_choices_come_from_the_registry():
    from studio.core.training.losses import ALIASES, LOSSES

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    loss = next(a for a in sub.choices["train"]._actions if "--loss" in a.option_strings)
    assert list(loss.choices) == [*LOSSES, *ALIASES] and "bce" in loss.choices


def test_train_flags_come_from_the_config_fields():
    """Each TrainConfig field with an option is a `studio train` flag of its name, type and default, and
    the parsed command line gives back the config's own defaults (no hand-kept mapping to drift)."""
    import dataclasses

    from studio.cli.train import _config
    from studio.core.training.config import TrainConfig, options

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    train = {a.dest: a for a in sub.choices["train"]._actions}
    assert len(options()) >= 20
    for f, opt in options():
        action = train[f.name]
        assert action.option_strings == ["--" + f.name.replace("_", "-")]
        assert action.default == f.default and action.help == opt.help
    args = build_parser().parse_args(["train", "images", "--out", "run"])
    parsed = _config(args, None)
    # The two defaults that are the command's own: the model follows the device (auto), the size is 64 px.
    untouched = dataclasses.replace(TrainConfig(), data=parsed.data, model="auto", resolution=64)
    assert parsed == untouched
    args = build_parser().parse_args(["train", "images", "--out", "run", "--ema-kimg", "2", "--freeze-d", "1",
                                      "--compile", "--loss", "hinge", "--metrics-samples", "50"])
    parsed = _config(args, None)
    assert (parsed.ema_kimg, parsed.freeze_d, parsed.compile, parsed.loss, parsed.metrics_samples) == (
        2.0, 1, True, "hinge", 50)
