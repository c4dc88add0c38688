"""The `studio` command line: train | generate | demo-data | mix | interpolate | info | regenerate | inpaint |
atlas | metrics | upscaler; with no command the window opens (studio/__main__.py).

One module per command family (train, explore, recipes, inpaint, metrics, demo, upscale), each registering its
commands in registry.COMMANDS; this module builds the parser from them and runs one.
"""

from __future__ import annotations

import argparse
import sys

from studio import __version__
from studio.cli import (  # noqa: F401 (they register their commands)
    demo, explore, inpaint, metrics, recipes, train, upscale)
from studio.cli.registry import COMMANDS, Command, command  # noqa: F401 (the package's API)

# The order `studio --help` lists them in.
ORDER = ("train", "generate", "demo-data", "mix", "interpolate", "info", "regenerate", "inpaint", "atlas", "metrics",
         "upscaler")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studio", description="GAN Studio: train, explore and export GANs.")
    parser.add_argument("--version", action="version", version=f"GAN Studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in sorted(COMMANDS, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
        COMMANDS[name].add(sub)
    return parser


def run_cli(argv: list[str]) -> int:
    from studio.core.errors import StudioError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
