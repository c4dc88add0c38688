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
    "generate": (["run"], ["--class", "--device", "--grid", "--out", "--seeds", "--truncation"]),
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
