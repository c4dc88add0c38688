"""Every speed figure of the studio in one table, all measured in this one run.

Each part runs as its own process (so its peak memory is its own) and hands its figures back as JSON:
  bench/throughput.py      training images/s per model and resolution (default recipe; the default models)
  bench/train_speed.py     the engine vs a plain PyTorch loop of the same architecture (ratio)
  bench/gui_overhead.py    training with the window attached vs headless (ratio), UI event-loop lateness
  bench/explore_latency.py canvas move -> image painted
  bench/startup.py         app launch -> window shown; Start -> first sample grid painted

    QT_QPA_PLATFORM=offscreen python bench/run_all.py           # a few minutes on a 2-core CPU
    python bench/run_all.py --quick                             # smoke: every row, short measurements
    python bench/run_all.py --device cuda                       # on a GPU (adds 256 px)

The table says what each target is; it never fails on a missed target (a benchmark, not a test), but
it exits non-zero when a part crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@dataclass
class Part:
    name: str
    figures: dict
    peak_mb: float
    seconds: float


def run_part(script: str, args: list[str], tmp: Path, env: dict) -> Part:
    out = tmp / f"{script}.json"
    cmd = [sys.executable, str(BENCH / f"{script}.py"), *args, "--json", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        if "propagateSizeHints" not in line:
            lines.append(line)
            print(f"  [{script}] {line}", end="", flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"{script} failed (exit {proc.returncode}):\n{''.join(lines[-20:])}")
    peak = usage.ru_maxrss / (1024 if sys.platform != "darwin" else 1024 * 1024)
    return Part(script, json.loads(out.read_text()), peak, time.perf_counter() - t0)


def fmt_ms(x: float) -> str:
    return f"{x:.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke: every row, measured too briefly to be more than a sign of life (32 px only)")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | mps | auto (GUI parts always use the CPU path "
                                                     "unless a GPU is chosen)")
    ap.add_argument("--data", type=Path, help="image folder for training rows (default: shared twemoji-64)")
    ap.add_argument("--json", type=Path, help="also write every figure here")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else "xcb")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH.parent), env.get("PYTHONPATH")]))
    q = args.quick
    data = ["--data", str(args.data)] if args.data else []
    gpu = args.device in ("cuda", "mps") or (args.device == "auto" and _has_gpu())
    resolutions = ["32"] if q else (["32", "64", "128", "256"] if gpu else ["32", "64", "128"])
    t_all = time.perf_counter()
    parts: dict[str, Part] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plan = [
            ("throughput", ["--device", args.device, "--resolutions", *resolutions,
                            "--seconds", "1" if q else "8", "--warmup", "1" if q else "3", *data]),
            ("train_speed", ["--device", args.device, "--resolution", "32" if q else "64",
                             "--steps", "3" if q else "20", "--rounds", "1" if q else "3", *data]),
            ("gui_overhead", ["--rounds", "1" if q else "4", "--seconds", "1.5" if q else "6",
                              "--warmup", "1" if q else "3"]),
            ("explore_latency", ["--moves", "20" if q else "300", "--resolution", "32" if q else "64",
                                 "--device", args.device if gpu else "cpu"]),
            ("startup", ["--repeats", "1" if q else "3"]),
        ]
        for script, a in plan:
            print(f"== {script} {' '.join(a)}", flush=True)
            parts[script] = run_part(script, a, tmp, env)

    tp, ts, go, ex, st = (parts[k].figures for k in ("throughput", "train_speed", "gui_overhead", "explore_latency",
                                                   "startup"))
    rows: list[tuple[str, str, str]] = []
    for r in tp["rows"]:
        mark = ", the default here" if r.get("default") else ""
        rows.append((f"train {r['model']} {r['resolution']} px (batch {r['batch']}, width {r['width']}{mark})",
                     f"{r['images_per_second']:.1f} images/s", ""))
    rows.append(("engine / plain PyTorch loop (dcgan)",
                 f"{ts['ratio']:.3f}  ({ts['engine_ips']:.0f} vs {ts['plain_ips']:.0f} images/s)",
                 ">= 1.5 on GPU" if gpu else ">= 0.95"))
    rows.append(("window attached / headless",
                 f"{go['ratio']:.3f}  ({go['window_ips']:.0f} vs {go['headless_ips']:.0f} images/s)", ">= 0.95"))
    rows.append(("UI event-loop lateness while training (p50 / p99 / max)",
                 f"{go['late_p50_ms']:.1f} / {go['late_p99_ms']:.1f} / {go['late_max_ms']:.1f} ms",
                 "p99 <= 20, max <= 100"))
    rows.append(("canvas move -> image painted (p50 / p99)",
                 f"{ex['closed_p50_ms']:.1f} / {ex['closed_p99_ms']:.1f} ms", "p99 <= 33"))
    grid = st["first_grid_s"]
    rows.append(("Start -> first sample grid (style 32 px, demo data)",
                 f"{grid[0]:.2f} s first, {sorted(grid)[len(grid) // 2]:.2f} s median", "<= 3 s"))
    launch = sorted(st["launch_s"])
    rows.append(("app launch -> window shown", f"{launch[len(launch) // 2]:.2f} s median", "<= 3 s"))
    peak = max(p.peak_mb for p in parts.values())
    rows.append(("peak memory (resident, per part)",
                 ", ".join(f"{k} {p.peak_mb:.0f} MB" for k, p in parts.items()), f"max {peak:.0f} MB"))

    import torch  # only for the header; the parts import it themselves

    print()
    print(f"GAN Studio benchmarks — {platform.node()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"device {tp['device']}, {'quick' if q else 'full'} mode, {time.perf_counter() - t_all:.0f} s in all")
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w1}}  {'measured':<{w2}}  target")
    print(f"{'-' * w1}  {'-' * w2}  {'-' * 20}")
    for name, value, target in rows:
        print(f"{name:<{w1}}  {value:<{w2}}  {target}")
    if args.json:
        args.json.write_text(json.dumps({k: {"figures": p.figures, "peak_mb": p.peak_mb, "seconds": p.seconds}
                                         for k, p in parts.items()}, indent=1))
    return 0


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


if __name__ == "__main__":
    sys.exit(main())
