"""`studio demo-data`: write the embedded demo image set."""

from __future__ import annotations

from studio.cli.registry import command


def _add_demo(sub) -> None:
    p = sub.add_parser("demo-data", help="write the embedded demo image set")
    p.add_argument("out", metavar="OUT_DIR")
    p.add_argument("--count", type=int, default=512)
    p.add_argument("--size", type=int, default=64)


@command("demo-data", _add_demo)
def cmd_demo(args) -> int:
    from studio.core.demo import write_demo_data

    out = write_demo_data(args.out, args.count, args.size)
    print(f"wrote {args.count} demo images to {out}")
    return 0
