"""The GPU day: everything the studio has to prove on a CUDA GPU, in one command and one report.

    python bench/gpu_day.py [--out DIR] [--minutes 10] [--quick]

On a machine with a CUDA device it runs, one after the other, each as its own process with a time limit:
  1. `pytest -m cuda`                  the CUDA paths (batch fitting, channels_last, mixed precision, OOM, NCCL)
  2. bench/train_speed.py --device cuda the engine against a plain PyTorch loop (ratio; target >= 1.5 on a GPU)
  3. bench/throughput.py --device cuda  images/s and the automatic batch per model and resolution (64, 128, 256)
  4. bench/quality_matrix.py            the GPU default (`studio train` with no flag: model auto) side by side
                                        with the textbook DCGAN at 64 and 128 px, --minutes of wall-clock time
                                        each (both legs share the GPU at once), KID ratio and grids
and writes DIR/report.md (and report.json): what ran, how long, its exit status and its figures. A step
that fails is reported and the next one still runs. `--quick` shortens every step (a smoke run: minutes).

On a machine without CUDA it says so in one sentence, writes nothing and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
NO_GPU = ("No CUDA device here (torch.cuda.is_available() is False): gpu_day.py runs only on a GPU machine, "
          "so nothing was run.")


def steps(args, out: Path) -> list[tuple[str, list[str], int]]:
    py = sys.executable
    q = args.quick
    minutes = 1.0 if q else args.minutes
    cells = ["openmoji:64", "openmoji128:128"] if not q else ["openmoji:64"]
    return [
        ("CUDA tests (pytest -m cuda)", [py, "-m", "pytest", "-m", "cuda", "-q", "-p", "no:cacheprovider",
                                         str(REPO / "tests" / "core" / "test_cuda.py")], 900),
        ("engine vs plain loop", [py, str(BENCH / "train_speed.py"), "--device", "cuda", "--resolution", "64",
                                  "--steps", "5" if q else "50", "--rounds", "1" if q else "3",
                                  "--json", str(out / "train_speed.json")], 600),
        ("throughput and automatic batch", [py, str(BENCH / "throughput.py"), "--device", "cuda",
                                            "--resolutions", *(["64"] if q else ["64", "128", "256"]),
                                            "--seconds", "2" if q else "8", "--json", str(out / "throughput.json")],
         900),
        (f"GPU default vs textbook, {minutes:g} min", [
            py, str(BENCH / "quality_matrix.py"), *[a for c in cells for a in ("--cell", f"{c}:{minutes:g}")],
            "--recipes", "default", "--repeats", "1", "--device", "cuda", "--budget", "wall",
            "--table", str(out / "quality-matrix.jsonl"), "--out", str(out / "runs"), "--shots", str(out / "shots")],
         int(len(cells) * (minutes * 60 + 900))),
    ]


def run_step(name: str, cmd: list[str], limit: int, out: Path) -> dict:
    log = out / (name.split(" ")[0].lower().replace("/", "-") + f"-{int(time.time())}.log")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    print(f"== {name}: {' '.join(cmd)}", flush=True)
    with open(log, "w") as f:
        try:
            status = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=REPO, timeout=limit).returncode
        except subprocess.TimeoutExpired:
            status = f"stopped after its limit of {limit} s"
    tail = log.read_text(errors="replace").splitlines()[-15:]
    print("\n".join(f"   {line}" for line in tail), flush=True)
    return {"step": name, "command": " ".join(cmd), "status": status, "seconds": round(time.perf_counter() - t0),
            "log": str(log), "tail": tail}


def report(out: Path, results: list[dict], device: str) -> Path:
    lines = [f"# GPU day — {device}", "", f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, torch "
             f"{__import__('torch').__version__}", ""]
    for r in results:
        ok = "passed" if r["status"] == 0 else f"FAILED ({r['status']})"
        lines += [f"## {r['step']}: {ok}, {r['seconds']} s", "", f"`{r['command']}`", "", "```", *r["tail"], "```", ""]
    matrix = out / "quality-matrix.jsonl"
    if matrix.exists():
        lines += ["## KID ratio, GPU default / textbook", ""]
        for row in map(json.loads, matrix.read_text().splitlines()):
            lines.append(f"- {row['cell']}: {row['ratio']} (KID ×10³ {row['leg']['kid'] * 1e3:.1f} vs "
                         f"{row['textbook']['kid'] * 1e3:.1f}; kimg {row['leg']['kimg']:.0f} vs "
                         f"{row['textbook']['kimg']:.0f}; model {row['config']['model']}, width "
                         f"{row['config']['width']}, batch {row['config']['batch']}; grid {row['leg']['grid']})")
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    (out / "report.json").write_text(json.dumps({"device": device, "steps": results}, indent=1))
    return path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, help="report folder (default: $OUT if set, else bench/gpu-day-<time>)")
    p.add_argument("--minutes", type=float, default=10.0, help="wall-clock minutes of each quality leg")
    p.add_argument("--quick", action="store_true", help="every step shortened: a smoke run of a few minutes")
    args = p.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(NO_GPU)
        return 0
    device = torch.cuda.get_device_name(0)
    out = args.out or Path(os.environ.get("OUT") or BENCH / f"gpu-day-{time.strftime('%Y%m%d-%H%M%S')}")
    out.mkdir(parents=True, exist_ok=True)
    results = [run_step(name, cmd, limit, out) for name, cmd, limit in steps(args, out)]
    path = report(out, results, device)
    print(f"\nreport: {path}")
    return 0 if all(r["status"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
