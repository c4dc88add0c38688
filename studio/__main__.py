"""`studio` / `python -m studio`: sub-commands run headless; otherwise the window opens."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from studio.cli import COMMANDS, run_cli

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return run_cli(argv)
    from studio.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
