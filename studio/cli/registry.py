"""The command registry: each command family module registers its sub-commands with `@command(name, add)`,
where `add(subparsers)` declares the arguments and the decorated function runs them. Building the parser
imports no torch (each command imports what it needs when it runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    name: str
    add: Callable[[argparse._SubParsersAction], None]  # declares the sub-command and its arguments
    run: Callable[[argparse.Namespace], int]  # returns the exit status


COMMANDS: dict[str, Command] = {}


def command(name: str, add: Callable[[argparse._SubParsersAction], None]):
    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, add, run)
        return run

    return register


def out_file(path: str, suffixes: tuple[str, ...]) -> tuple[Path, str]:
    """--out FILE -> (its folder, its name), refusing a suffix the command cannot write."""
    from studio.core.errors import StudioError

    p = Path(path).expanduser()
    if p.suffix.lower() not in suffixes:
        raise StudioError(f"--out must end in {' or '.join(suffixes)}; got '{p.name}'.")
    return p.parent, p.name
