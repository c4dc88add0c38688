"""`studio upscaler RUN --minutes M [--scale 2|4]`: train (or continue) the run's learned upscale from its
own folder, then print how it does against Lanczos on pictures it never trained on."""

from __future__ import annotations

import sys

from studio.cli.registry import command


def _add_upscaler(sub) -> None:
    p = sub.add_parser("upscaler", help="train or continue a run's learned ×2/×4 upscale on its own picture folder")
    p.add_argument("run", metavar="RUN_DIR", help="a run folder (its config.json names the picture folder)")
    p.add_argument("--minutes", type=float, default=5.0,
                   help="training time in all (default 5); with both scales each gets half")
    p.add_argument("--scale", type=int, choices=(2, 4),
                   help="train only this upscale (default: ×2 and ×4, those the folder's picture sizes allow)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda, mps or auto")


@command("upscaler", _add_upscaler)
def cmd_upscaler(args) -> int:
    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.upscale.learned import scales_to_train, train_run_upscaler

    if not args.minutes > 0:
        raise StudioError("--minutes must be more than 0.")
    device = pick_device(args.device)
    pairs, notes = scales_to_train(args.run, args.scale)
    for note in notes:
        print(note, file=sys.stderr)
    seconds = args.minutes * 60 / len(pairs)
    for p in pairs:
        print(f"×{p.scale}: {p.shape.px} -> {p.high_shape.px}, {len(p.train)} pictures to learn from, "
              f"{len(p.held_out)} held out to score", file=sys.stderr)

        shown = [-1e9]

        def progress(e, scale=p.scale, shown=shown):
            if e.seconds - shown[0] >= 10:  # a line every ten seconds
                shown[0] = e.seconds
                print(f"  ×{scale} step {e.step}: {e.seconds:.0f}/{e.budget:.0f} s, L1 {e.l1:.2f}", file=sys.stderr)

        r = train_run_upscaler(args.run, p, seconds, device=device, progress=progress)
        what = "continued" if r.resumed else "trained"
        print(f"×{r.scale} {what} for {r.session_seconds:.0f} s ({r.step} steps, {r.seconds / 60:.1f} min in all): "
              f"{r.path}")
        s = r.score
        print(f"  {s.describe()}")
    return 0
