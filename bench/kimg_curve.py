"""KID against images shown: recipes compared at the budgets a GPU reaches (issue 25, item 3).

    python bench/kimg_curve.py --folder twemoji --resolution 32 --recipes style,quickstyle --width 32 \
        --kimg 25,50,100,200,500
    python bench/kimg_curve.py --show          # the curves gathered so far (bench/kimg-curves.jsonl)

A GPU trains in ten minutes what this CPU trains in hours, so recipes meant for a GPU are compared at equal
*images shown*, not equal minutes. Every recipe is one leg in its own process, pinned to its own core with
one thread (the legs run at the same time, so the load of a shared machine falls on all alike). A leg trains
to the first kimg mark, scores its EMA generator (Inception KID of --fake samples against --real images of
the folder, the quality matrix's scoring), saves an 8×8 grid, then resumes the same run to the next mark —
a resumed run continues bit for bit, so the curve is one run's. Each mark appends one JSON row to the table.
Recipes are bench/quality_matrix.py's names or NAME={JSON settings}; --width pins the width of every leg
(the GPU widths, 256 and more, are out of reach on a CPU: the ordering at two widths is the evidence).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quality_matrix as matrix  # noqa: E402  (folders, recipe names)

TABLE = Path(__file__).resolve().parent / "kimg-curves.jsonl"


def leg(args) -> None:
    """One recipe's curve, in this process (the parent pinned it)."""
    import numpy as np
    import torch
    from PIL import Image

    torch.set_num_threads(1)
    from studio.core.data import ImageFolder
    from studio.core.device import pick_device
    from studio.core.images import grid_image
    from studio.core.metrics.evaluate import Evaluator, MetricsSettings
    from studio.core.explore.loading import load_generator
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    data = matrix.folder_path(args.folder)
    overrides = matrix.recipe_overrides(args.recipe, data, args.resolution)
    if args.width:
        overrides["width"] = args.width
    out = Path(args.leg_out)
    marks = [float(k) for k in args.kimg.split(",")]
    dataset = None
    evaluator = None
    cpu_seconds = 0.0
    for i, mark in enumerate(marks):
        cfg = TrainConfig(data=str(data), resolution=args.resolution, kimg=mark, device="cpu", seed=args.seed,
                          checkpoint_minutes=1e9, snapshot_minutes=1e9, **overrides)
        t0 = time.thread_time()
        trainer = Trainer(cfg, out, resume=i > 0 or args.go_on, dataset=dataset, device=pick_device("cpu"),
                          clock=time.thread_time)
        dataset = trainer.dataset
        fin = trainer.train()
        cpu_seconds += time.thread_time() - t0
        if args.go_on:  # the run's own training time over all its sessions (thread time: this clock)
            cpu_seconds = trainer.train_seconds
        if evaluator is None:
            settings = MetricsSettings(real_count=args.real, fake_count=args.fake)
            evaluator = Evaluator(dataset.images, settings, cache_dir=Path(args.cache))
            evaluator.real()
        G, _ = load_generator(fin.checkpoint)
        s0 = time.perf_counter()
        scores, _ = evaluator.evaluate(G)
        z = torch.from_numpy(np.random.RandomState(0).randn(64, G.z_dim)).float()
        with torch.no_grad():
            grid = grid_image(G.synthesis(G.mapping(z, None), noise_mode="const"), nrow=8)
        shot = Path(args.shots) / f"curve-{args.folder}-{args.resolution}-w{args.width}-{args.name}-{mark:g}kimg.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.kron(grid, np.ones((2, 2, 1), np.uint8))).save(shot)
        row = {"folder": args.folder, "resolution": args.resolution, "width": trainer.cfg.width, "recipe": args.name,
               "seed": args.seed, "mark_kimg": mark, "kimg": round(fin.kimg, 2), "train_cpu_s": round(cpu_seconds),
               "score_s": round(time.perf_counter() - s0), "kid": scores.kid, "kid_std": scores.kid_std,
               "fid": scores.fid, "precision": scores.precision, "coverage": scores.coverage, "grid": str(shot),
               "load": round(os.getloadavg()[0], 2), "when": time.strftime("%Y%m%d-%H%M%S"),
               "config": {k: trainer.cfg.to_json()[k] for k in ("model", "width", "batch", "lr_g", "lr_d", "beta1",
                                                                 "r1_gamma", "augment", "ema_kimg", "z_dim")}}
        with open(args.table, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{args.name} {mark:g} kimg: KID {scores.kid * 1e3:.1f} ×10³ ({cpu_seconds / 60:.1f} CPU-min)", flush=True)


def show(table: Path) -> None:
    rows = [json.loads(x) for x in table.read_text().splitlines() if x.strip()] if table.exists() else []
    curves: dict[tuple, dict[float, list[float]]] = {}
    minutes: dict[tuple, float] = {}
    for r in rows:
        key = (r["folder"], r["resolution"], r["width"], r["recipe"])
        curves.setdefault(key, {}).setdefault(r["mark_kimg"], []).append(r["kid"] * 1e3)
        minutes[key] = max(minutes.get(key, 0.0), r["train_cpu_s"] / 60)
    marks = sorted({m for c in curves.values() for m in c})
    print(f"{'folder':9} {'px':>3} {'width':>5} {'recipe':14} " + " ".join(f"{m:>9g}" for m in marks)
          + "  CPU-min (KID×10³ at kimg; mean of repeats)")
    for key in sorted(curves):
        cells = [f"{statistics.fmean(curves[key][m]):9.1f}" if m in curves[key] else f"{'':9}" for m in marks]
        print(f"{key[0]:9} {key[1]:3} {key[2]:5} {key[3][:14]:14} " + " ".join(cells) + f"  {minutes[key]:.0f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folder", default="twemoji")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--recipes", default="style,quickstyle")
    p.add_argument("--width", type=int, default=32, help="the width of every leg (0: the recipe's own)")
    p.add_argument("--kimg", default="25,50,100,200,500", help="comma-separated marks, ascending")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--real", type=int, default=1000)
    p.add_argument("--fake", type=int, default=500)
    p.add_argument("--nice", type=int, default=0)
    p.add_argument("--table", type=Path, default=TABLE)
    p.add_argument("--out", default=str(matrix.CACHE / "curves"))
    p.add_argument("--shots", default=str(matrix.CACHE / "shots"))
    p.add_argument("--cache", default=str(matrix.CACHE / "features"))
    p.add_argument("--show", action="store_true")
    p.add_argument("--first-core", type=int, default=0, help="the core the first leg is pinned to (the next, the next)")
    p.add_argument("--go-on", action="store_true",
                   help="each leg goes on with the newest run of its folder, size, width and recipe under --out "
                        "(a resumed run continues bit for bit); give it only the marks still to score")
    p.add_argument("--leg", dest="recipe", help=argparse.SUPPRESS)
    p.add_argument("--name", help=argparse.SUPPRESS)
    p.add_argument("--leg-out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.recipe:
        return leg(args)
    if args.show:
        return show(args.table)
    from studio.core.metrics.inception import availability

    ok, why = availability(None)
    if not ok:
        raise SystemExit(why)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    procs = []
    ncpu = os.cpu_count() or 1
    for i, recipe in enumerate(args.recipes.split(",") if "=" not in args.recipes else [args.recipes]):
        name = recipe.partition("=")[0]
        out = Path(args.out) / f"{stamp}-{args.folder}-{args.resolution}-w{args.width}-{name}"
        if args.go_on:
            earlier = sorted(d for d in Path(args.out).glob(f"*-{args.folder}-{args.resolution}-w{args.width}-{name}")
                             if d.is_dir())
            if not earlier:
                raise SystemExit(f"--go-on: no earlier run of {name} on {args.folder} under {args.out}")
            out = earlier[-1]
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--leg", recipe, "--name", name, "--leg-out", str(out),
               "--folder", args.folder, "--resolution", str(args.resolution), "--width", str(args.width),
               "--kimg", args.kimg, "--seed", str(args.seed), "--real", str(args.real), "--fake", str(args.fake),
               "--table", str(args.table), "--shots", args.shots, "--cache", args.cache] + (["--go-on"] * args.go_on)

        def start(core=(i + args.first_core) % ncpu):
            if hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, {core})
            if args.nice:
                os.setpriority(os.PRIO_PROCESS, 0, args.nice)

        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        log = open(f"{out}.log", "a")
        procs.append((name, subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=start)))
        print(f"leg {name}: core {(i + args.first_core) % ncpu}, log {out}.log", file=sys.stderr)
    failed = [name for name, proc in procs if proc.wait() != 0]
    show(args.table)
    if failed:
        raise SystemExit(f"legs failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
