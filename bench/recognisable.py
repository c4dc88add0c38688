"""Minutes to "recognisable": train one recipe with a checkpoint every few kimg, score every checkpoint, and
print the first image count whose KID is at or below the folder's textbook KID after ten minutes (the
definition each model's `recognisable_kimg` in core/models/registry.py uses).

    python bench/recognisable.py twemoji --resolution 32 --minutes 5 --every 8 --core 0 &
    python bench/recognisable.py openmoji --resolution 32 --minutes 5 --every 8 --core 1

The threshold is the mean textbook KID of the folder's 10-minute cell in bench/quality-matrix.jsonl (or
--threshold). The leg is pinned to one core with one thread and counts its own CPU time (as the matrix's legs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quality  # noqa: E402
from quality_matrix import CACHE, TABLE, folder_path, recipe_overrides  # noqa: E402


def textbook_kid(folder: str, resolution: int, table: Path) -> float | None:
    """The mean textbook KID of this folder's 10-minute cell, as gathered by quality_matrix.py."""
    if not table.exists():
        return None
    rows = [json.loads(line) for line in table.read_text().splitlines() if line.strip()]
    kids = [r["textbook"]["kid"] for r in rows if r["cell"] == f"{folder}:{resolution}:10"]
    return statistics.fmean(kids) if kids else None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", help="twemoji, openmoji, demo or a path")
    p.add_argument("--recipe", default="default", help="a recipe name of quality_matrix.py, or NAME={JSON}")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--minutes", type=float, default=5.0, help="CPU minutes of training")
    p.add_argument("--every", type=float, default=8.0, help="kimg between checkpoints")
    p.add_argument("--threshold", type=float, help="KID to reach (default: the folder's textbook 10-minute KID)")
    p.add_argument("--fake", type=int, default=300)
    p.add_argument("--real", type=int, default=1000)
    p.add_argument("--core", type=int, default=0, help="the core the leg is pinned to")
    p.add_argument("--nice", type=int, default=-10)
    p.add_argument("--out", default=str(CACHE / "recognisable"))
    p.add_argument("--score-only", type=Path, help="score the checkpoints of a run this script trained before")
    args = p.parse_args()
    threshold = args.threshold or textbook_kid(args.folder, args.resolution, TABLE)
    if threshold is None:
        raise SystemExit(f"no textbook 10-minute KID for {args.folder} at {args.resolution} px: give --threshold")
    data = folder_path(args.folder)
    overrides = recipe_overrides(args.recipe, data, args.resolution)
    batch = overrides.get("batch") or 32  # the CPU recipe's automatic batch at <= 64 px
    overrides.update(checkpoint_every=max(1, round(args.every * 1000 / batch)), keep_checkpoints=1000)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.score_only or Path(args.out) / f"{stamp}-{args.folder}-{args.resolution}-{args.recipe.partition('=')[0]}"
    out.mkdir(parents=True, exist_ok=bool(args.score_only))
    ns = argparse.Namespace(data=str(data), out=str(out), resolution=args.resolution, minutes=args.minutes,
                            threads=1, sequential=False, no_pin=False, budget="cpu", nice=args.nice,
                            core_offset=args.core, eval_threads=1, real=args.real, fake=args.fake, inception=None,
                            shots=str(out / "shots"), tag="", cache=str(CACHE / "features"))
    import os

    os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    if args.score_only:
        trained = json.loads((out / "leg" / "bench-leg.json").read_text())
    else:
        trained = quality.run_legs(ns, {"leg": overrides})["leg"]
    from studio.core.formats.run import RunDir

    legs = {}
    for step, path in RunDir(out / "leg").checkpoints():
        kimg = step * trained["config"]["batch"] / 1000
        legs[f"{kimg:06.1f}"] = {**trained, "checkpoint": str(path), "kimg": kimg, "step": step}
    # In order, two checkpoints at a time (one per core), until one is at or below the threshold.
    rows, names = [], list(legs)
    for i in range(0, len(names), 2):
        scored = quality.evaluate(ns, {k: legs[k] for k in names[i:i + 2]})
        rows += sorted((float(k), r["kid"], r["fid"]) for k, r in scored.items())
        if any(kid <= threshold for _, kid, _ in rows):
            break
    reached = next((k for k, kid, _ in rows if kid <= threshold), None)
    ips = trained["kimg"] * 1000 / trained["seconds"]
    result = {"folder": args.folder, "resolution": args.resolution, "recipe": args.recipe, "threshold": threshold,
              "images_per_cpu_second": round(ips, 1), "points": rows, "recognisable_kimg": reached,
              "recognisable_cpu_minutes": round(reached * 1000 / ips / 60, 1) if reached else None}
    (out / "recognisable.json").write_text(json.dumps(result, indent=1))
    for k, kid, fid in rows:
        print(f"{k:7.1f} kimg  KID {kid * 1e3:6.1f} ×10³  FID {fid:6.1f}{'  <= threshold' if kid <= threshold else ''}")
    print(f"threshold KID {threshold * 1e3:.1f} ×10³ (textbook, 10 min); recognisable at "
          f"{reached if reached is not None else 'not reached'} kimg, "
          f"{result['recognisable_cpu_minutes']} CPU-minutes at {ips:.0f} images per CPU-second")


if __name__ == "__main__":
    main()
