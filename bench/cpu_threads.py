"""How many intra-op threads should CPU training use? Measured, per thread count, in one run:

  alone     - training images/s with the machine otherwise idle (as far as this script controls it);
  contended - the same while `--competitors` processes each keep one core busy (another application,
              the GUI thread drawing, a second run): an OpenMP team that is one thread too wide waits at
              every parallel region for a descheduled member, which can cost far more than one core.
  ui        - the lateness of a 10 ms timer in the main thread while training runs in a worker thread
              (what the window's event loop would feel), p99 and max.

Rounds alternate thread counts so that drifting machine load hits each alike.

    python bench/cpu_threads.py [--model dcgan] [--resolution 32] [--seconds 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.data import DataConfig, ImageFolder  # noqa: E402
from studio.core.demo import write_demo_data  # noqa: E402
from studio.core.training.config import TrainConfig  # noqa: E402
from studio.core.training.trainer import Trainer  # noqa: E402


def spin(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x += 1


def measure(trainer: Trainer, threads: int, seconds: float) -> tuple[float, np.ndarray]:
    """images/s of trainer steps in a worker thread using `threads`, and main-thread timer lateness (ms)."""
    result: list[float] = []
    done = threading.Event()

    def work() -> None:
        result.append(measure_main(trainer, threads, seconds))
        done.set()

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while not done.is_set():  # a 10 ms timer, as a GUI event loop would run one
        time.sleep(0.01)
        ticks.append(time.perf_counter())
    t.join()
    late = (np.diff(np.asarray(ticks)) * 1000 - 10.0).clip(min=0)
    return result[0], late


def measure_main(trainer: Trainer, threads: int, seconds: float) -> float:
    """images/s of `seconds` of steps after two untimed ones, driven from the calling thread (called from
    the main thread: as `studio train` did before it used a second thread)."""
    torch.set_num_threads(threads)
    for _ in range(2):
        trainer.step()
    t0, n0 = time.perf_counter(), trainer.nimg
    while time.perf_counter() - t0 < seconds:
        trainer.step()
    return (trainer.nimg - n0) / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="dcgan")
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--competitors", type=int, default=1)
    ap.add_argument("--where", choices=("worker", "both"), default="worker",
                    help="both: also drive the loop from the main thread, for comparison")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    counts = sorted({1, max(1, cores // 2), max(1, cores - 1), cores})
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write_demo_data(tmp / "demo", 256, args.resolution)
        folder = ImageFolder(data, DataConfig(args.resolution))
        cfg = TrainConfig(data=str(data), model=args.model, resolution=args.resolution, steps=10**9, device="cpu")
        trainer = Trainer(cfg, tmp / "run", dataset=folder, device=torch.device("cpu"))
        res: dict[str, dict[int, list]] = {"alone": {n: [] for n in counts}, "contended": {n: [] for n in counts}}
        lat: dict[str, dict[int, list]] = {"alone": {n: [] for n in counts}, "contended": {n: [] for n in counts}}
        main_ips: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for mode in ("alone", "contended"):
                stop = mp.Event()
                procs = [mp.Process(target=spin, args=(stop,)) for _ in range(args.competitors if mode != "alone" else 0)]
                for p in procs:
                    p.start()
                for n in counts:
                    ips, late = measure(trainer, n, args.seconds)
                    res[mode][n].append(ips)
                    lat[mode][n].append(late)
                    print(f"{mode:>9} threads {n}: {ips:7.1f} images/s, timer p99 {np.percentile(late, 99):5.1f} ms",
                          flush=True)
                    if args.where == "both":
                        ips_main = measure_main(trainer, n, args.seconds)
                        main_ips.setdefault(f"{mode}-{n}", []).append(ips_main)
                        print(f"{mode:>9} threads {n}: {ips_main:7.1f} images/s driven from the main thread",
                              flush=True)
                stop.set()
                for p in procs:
                    p.join()
        trainer.close()
    print(f"\n{args.model} {args.resolution} px, {cores} CPUs, {args.competitors} busy competitor(s) when contended")
    out = {}
    for mode in ("alone", "contended"):
        for n in counts:
            late = np.concatenate(lat[mode][n])
            ips = statistics.median(res[mode][n])
            out[f"{mode}-{n}"] = {"ips": ips, "p99_ms": float(np.percentile(late, 99)), "max_ms": float(late.max())}
            extra = ""
            if main_ips:
                out[f"{mode}-{n}"]["main_ips"] = statistics.median(main_ips[f"{mode}-{n}"])
                extra = f"   (main thread: {out[f'{mode}-{n}']['main_ips']:7.1f} images/s)"
            print(f"{mode:>9}  {n} thread(s): {ips:7.1f} images/s (median)   timer p99 "
                  f"{np.percentile(late, 99):5.1f} ms, max {late.max():6.1f} ms{extra}")
    if args.json:
        args.json.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
