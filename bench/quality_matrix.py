"""The quality matrix: recipes × folders × resolutions × budgets, each recipe side by side with the textbook.

    python bench/quality_matrix.py --cell twemoji:32:5 --cell openmoji:32:5 --recipes default,style --repeats 2
    python bench/quality_matrix.py --show            # the table gathered so far (all sittings)

A cell is FOLDER:RESOLUTION:MINUTES. FOLDER is `twemoji`, `openmoji` (../shared/data/*-64), `openmoji128`
(../shared/data/openmoji-128), `demo` (the embedded demo set, 512 images, written once to a cache folder) or
a path; FOLDER@N is N pictures of it (a few-shot cell, e.g. `twemoji@100:64:10`). For every recipe and repeat, the
recipe and a textbook DCGAN train *at the same time*, each pinned to its own core with one thread (so the
load of a shared machine falls on both alike), for the same wall-clock minutes; then both final EMA
generators are scored with Inception features against the same real images (bench/quality.py's legs and
scoring). Every pair appends one row to the table (JSON lines, default bench/quality-matrix.jsonl), so the
matrix can be gathered over several sittings; --show prints it: per cell and recipe the KID ratio vs the
textbook of the same pair, its mean and spread over repeats, and the grids saved for every leg.

Recipes (RECIPES below): `default` is what `studio train FOLDER --resolution R --minutes M --device cpu`
does with no other flag; `window` is the window's CPU suggestion for the folder; `style` the style-based
model's default recipe; `quickstyle` the Quick style-based model's; the `old-*` ones pin every setting of the defaults before issue 14.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quality  # noqa: E402  (bench/quality.py: train_leg, run_legs, evaluate)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data")
CACHE = Path(os.environ.get("GAN_STUDIO_BENCH_CACHE", Path.home() / ".cache" / "gan-studio" / "bench"))
TABLE = Path(__file__).resolve().parent / "quality-matrix.jsonl"

# Settings that reproduce the defaults before issue 14 (so they stay measurable after the defaults moved).
# Width and z as resolve gave them at <= 64 px on a CPU then (git show 20aecd6^:studio/core/training/config.py).
OLD_STYLE = {"model": "style", "width": 64, "z_dim": 256, "loss": "logistic", "augment": "ada", "mirror": True,
             "batch": 32, "lr_g": 2e-3, "lr_d": 2e-3, "beta1": 0.0, "beta2": 0.99, "ema_kimg": 10.0,
             "ema_rampup": 0.05, "ada_kimg": 100.0}
OLD_WINDOW = {"model": "dcgan", "width": 64, "z_dim": 100, "loss": "logistic", "augment": "ada", "mirror": True,
              "batch": 32, "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "r1_gamma": 0.0,
              "ema_kimg": 10.0, "ema_rampup": 0.05, "ada_kimg": 100.0}


def folder_path(name: str) -> Path:
    """`twemoji`, `openmoji` (64 px), `openmoji128`, `demo`, a path; NAME@N: N pictures of it (few-shot)."""
    if "@" in name:
        base, _, count = name.partition("@")
        return few_shot(folder_path(base), int(count), CACHE / "few-shot" / f"{base.replace('/', '_')}-{count}")
    if name in ("twemoji", "openmoji", "openmoji128"):
        path = SHARED / ("openmoji-128" if name == "openmoji128" else f"{name}-64")
        if not path.is_dir():
            raise SystemExit(f"{path} is absent (the shared data folder)")
        return path
    if name == "demo":
        from studio.core.demo import write_demo_data

        return write_demo_data(CACHE / "demo-512", count=512, size=64)
    return Path(name).expanduser().resolve()


def few_shot(source: Path, count: int, dest: Path) -> Path:
    """A folder of `count` pictures of `source` (links; every count-th file in name order, so the subset
    spans the folder instead of its first letters); made once."""
    if not dest.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp"})
        step = max(1, len(files) // count)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for f in files[::step][:count]:
            (tmp / f.name).symlink_to(f)
        tmp.rename(dest)
    return dest


def recipe_overrides(recipe: str, data: Path, resolution: int, gpu: bool = False) -> dict:
    """TrainConfig settings of a named recipe (a JSON object is taken as it is)."""
    if "=" in recipe:
        return json.loads(recipe.partition("=")[2])
    if recipe == "default":  # `studio train` with no other flag: the device's recipe, resolved for the folder,
        from studio.core.training.suggest import cpu_enlarge  # and from 128 px on a CPU at half the size ×2

        enlarge = cpu_enlarge(resolution, gpu, automatic_model=True)
        if enlarge > 1:
            return {"model": "auto", "cascade": {"resolution": resolution // enlarge, "upscale_minutes": 0.0,
                                                 "upscale": "lanczos"}}
        return {"model": "auto"}
    if recipe == "window":
        from studio.core.training.suggest import suggest

        count = sum(1 for p in data.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp"})
        s = suggest(count, resolution, gpu=False)
        return {"model": s.model, "augment": s.augment, "mirror": s.mirror}
    if recipe == "style":
        return {"model": "style"}
    if recipe == "style-diff":  # the style recipe of the first sitting (DiffAugment on a CPU)
        return {"model": "style", "augment": "diff"}
    if recipe.startswith("cascade"):  # cascade64: the default at 64 px + the learned ×2 (bench/cascade.py);
        # cascade64-lanczos: the default at 64 px for the whole budget, enlarged with Lanczos
        size, _, how = recipe.removeprefix("cascade").partition("-")
        if how == "lanczos":
            return {"model": "auto", "cascade": {"resolution": int(size or 64), "upscale_minutes": 0.0,
                                                 "upscale": "lanczos"}}
        return {"model": "auto", "cascade": {"resolution": int(size or 64), "upscale_minutes": 5.0}}
    if recipe == "style-gpu":  # the GPU default's recipe (resolve on a GPU: batch 64) at a width pinned by hand
        return {"model": "style", "batch": 64}
    if recipe == "quickstyle-gpu":  # the Quick style-based model with the GPU's batch
        return {"model": "quickstyle", "batch": 64}
    if recipe == "quick":
        return {"model": "dcgan"}
    if recipe == "quickstyle":  # the Quick style-based model with its default (the Quick model's) recipe
        return {"model": "quickstyle"}
    if recipe == "old-style":
        return dict(OLD_STYLE, r1_gamma=max(0.05, 0.0002 * resolution * resolution / 32))
    if recipe == "quick-diff":  # the CPU default of the first sitting: DiffAugment, the DCGAN paper's 2e-4
        return {"model": "dcgan", "augment": "diff", "lr_g": 2e-4, "lr_d": 2e-4}
    if recipe == "old-window":
        return dict(OLD_WINDOW)
    if recipe == "textbook":
        return dict(quality.TEXTBOOK)
    raise SystemExit(f"unknown recipe {recipe!r}")


def run_pair(cell: str, recipe: str, repeat: int, args) -> dict:
    folder, res, minutes = cell.split(":")
    data, res, minutes = folder_path(folder), int(res), float(minutes)
    seed = 1000 * repeat
    legs = {"textbook": dict(quality.TEXTBOOK, seed=seed, device=args.device),
            "recipe": dict(recipe_overrides(recipe, data, res, args.device != "cpu"), seed=seed,
                          device=args.device)}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = recipe.partition("=")[0]
    out = Path(args.out) / f"{stamp}-{folder}-{res}-{minutes:g}-{name}-r{repeat}"
    out.mkdir(parents=True)
    pair = {"cell": f"{folder}:{res}:{minutes:g}", "recipe": name, "repeat": repeat, "when": stamp,
            "budget": args.budget, "device": args.device, "data": str(data), "resolution": res, "minutes": minutes,
            "load_before": round(os.getloadavg()[0], 2)}
    t0 = time.perf_counter()
    quality.run_legs(_namespace(args, out, pair), legs)
    pair["load_after_training"] = round(os.getloadavg()[0], 2)
    pair["train_wall_s"] = round(time.perf_counter() - t0)
    (out / "pair.json").write_text(json.dumps(pair, indent=1))
    return score_pair(out, args)


def _namespace(args, out: Path, pair: dict) -> argparse.Namespace:
    tag = f"{pair['cell'].replace(':', '-')}-{pair['recipe']}-r{pair['repeat']}-"
    return argparse.Namespace(data=pair["data"], out=str(out), resolution=pair["resolution"], minutes=pair["minutes"],
                              threads=1, sequential=False, no_pin=False, eval_threads=1, real=args.real,
                              fake=args.fake, inception=None, shots=args.shots, tag=tag,
                              cache=str(CACHE / "features"), budget=pair["budget"], nice=args.nice)


def score_pair(out: Path, args) -> dict:
    """Score a trained pair (also one whose scoring was interrupted: --rescore) and append its row."""
    pair = json.loads((out / "pair.json").read_text())
    trained = {leg: json.loads((out / leg / "bench-leg.json").read_text()) for leg in ("textbook", "recipe")}
    t0 = time.perf_counter()
    scored = quality.evaluate(_namespace(args, out, pair), trained)
    tb, rc = scored["textbook"], scored["recipe"]
    row = {**pair, "score_wall_s": round(time.perf_counter() - t0), "real": args.real, "fake": args.fake,
           "ratio": round(rc["kid"] / tb["kid"], 3) if tb["kid"] > 0 else None,
           "textbook": _brief(tb), "leg": _brief(rc), "config": trained["recipe"]["config"],
           **({"cascade": trained["recipe"]["cascade"]} if "cascade" in trained["recipe"] else {})}
    with open(args.table, "a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def _brief(r: dict) -> dict:
    return {k: r[k] for k in ("kid", "kid_std", "fid", "precision", "recall", "density", "coverage", "kimg",
                              "steps", "grid")}


def show(table: Path) -> None:
    rows = [json.loads(line) for line in table.read_text().splitlines() if line.strip()] if table.exists() else []
    cells: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        cells.setdefault((r["cell"], r["recipe"]), []).append(r)
    print(f"{'cell':20} {'recipe':18} {'n':>2} {'KID ratio (mean, min–max)':>26} {'KID×10³ leg':>13} "
          f"{'KID×10³ textbook':>16} {'FID leg/tb':>11} {'prec':>5} {'cov':>5} {'kimg leg/tb':>12}")
    for (cell, recipe), rs in sorted(cells.items()):
        ratios = [r["ratio"] for r in rs if r["ratio"] is not None]
        mean = statistics.fmean(ratios)
        lk = statistics.fmean(r["leg"]["kid"] for r in rs) * 1e3
        tk = statistics.fmean(r["textbook"]["kid"] for r in rs) * 1e3
        lf = statistics.fmean(r["leg"]["fid"] for r in rs)
        tf = statistics.fmean(r["textbook"]["fid"] for r in rs)
        pr = statistics.fmean(r["leg"]["precision"] for r in rs)
        cv = statistics.fmean(r["leg"]["coverage"] for r in rs)
        lki = statistics.fmean(r["leg"]["kimg"] for r in rs)
        tki = statistics.fmean(r["textbook"]["kimg"] for r in rs)
        spread = f"{mean:.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
        print(f"{cell:20} {recipe[:18]:18} {len(rs):2} {spread:>26} {lk:13.1f} {tk:16.1f} "
              f"{lf:5.0f}/{tf:<5.0f} {pr:5.2f} {cv:5.2f} {lki:6.0f}/{tki:<5.0f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cell", action="append", default=[], metavar="FOLDER:RES:MIN")
    p.add_argument("--recipes", default="default", help="comma-separated recipe names, or one NAME={JSON settings}")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--first-repeat", type=int, default=0, help="start at this repeat (seeds differ per repeat)")
    p.add_argument("--real", type=int, default=1000)
    p.add_argument("--fake", type=int, default=500)
    p.add_argument("--table", type=Path, default=TABLE)
    p.add_argument("--out", default=str(CACHE / "runs"))
    p.add_argument("--shots", default=str(CACHE / "shots"))
    p.add_argument("--budget", choices=("cpu", "wall"), default="cpu",
                   help="what a cell's minutes count: each leg's CPU time (default; fair when other work shares "
                        "the machine) or wall-clock time")
    p.add_argument("--nice", type=int, default=0, help="niceness of the legs (e.g. -10 as root: before other work)")
    p.add_argument("--device", default="cpu", help="where the legs train: cpu, or cuda (bench/gpu_day.py; both legs "
                   "share the one GPU at once, so give --budget wall)")
    p.add_argument("--rescore", type=Path, help="score an already trained pair's folder and append its row")
    p.add_argument("--show", action="store_true", help="print the table gathered so far and exit")
    args = p.parse_args()
    if args.rescore:
        if args.nice:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        row = score_pair(args.rescore, args)
        print(json.dumps({k: row[k] for k in ("cell", "recipe", "repeat", "ratio")}))
        return
    if args.show or not args.cell:
        show(args.table)
        return
    from studio.core.metrics.inception import availability

    ok, why = availability(None)
    if not ok:
        raise SystemExit(why)
    if args.nice:  # the scoring at the legs' priority, or it starves behind later pairs' legs
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    recipes = [args.recipes] if "=" in args.recipes else args.recipes.split(",")
    for repeat in range(args.first_repeat, args.first_repeat + args.repeats):
        for cell in args.cell:
            for recipe in recipes:
                row = run_pair(cell, recipe, repeat, args)
                print(f"{row['cell']:20} {recipe:12} r{repeat}: KID {row['leg']['kid'] * 1e3:.1f} vs textbook "
                      f"{row['textbook']['kid'] * 1e3:.1f} ×10³ -> ratio {row['ratio']}  "
                      f"(kimg {row['leg']['kimg']:.0f}/{row['textbook']['kimg']:.0f}, load {row['load_before']})",
                      flush=True)
    show(args.table)


if __name__ == "__main__":
    main()
