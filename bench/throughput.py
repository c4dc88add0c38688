"""Training images/s of the engine with the studio's default recipe, per model and resolution.

Each (model, resolution) builds a Trainer exactly as `studio train` would (defaults resolved for the
device), warms up, then times whole steps for a fixed number of seconds. On CUDA the clock stops only
after a device synchronisation.

    python bench/throughput.py [--models quickstyle dcgan style] [--resolutions 32 64 128] [--seconds 8] [--json out.json]

By default it measures every model the studio trains by default somewhere (the Quick style-based model, the
CPU default; the style model, the GPU default) and the Quick DCGAN (growing runs on a CPU); the row of the
model `studio train` picks on this device is marked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.data import DataConfig, ImageFolder  # noqa: E402
from studio.core.demo import write_demo_data  # noqa: E402
from studio.core.device import describe_device, pick_device  # noqa: E402
from studio.core.training.config import TrainConfig  # noqa: E402
from studio.core.training.trainer import Trainer  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twemoji-64"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(model: str, resolution: int, data: Path, device: torch.device, seconds: float, warmup: int,
            batch: int = 0, tmp: Path | None = None, **overrides) -> dict:
    """images/s of whole training steps (D, lazy R1, G, EMA) with the default recipe."""
    tmp = tmp or Path(tempfile.mkdtemp(prefix="gan-studio-tp-"))
    folder = ImageFolder(data, DataConfig(resolution))
    cfg = TrainConfig(data=str(data), model=model, resolution=resolution, batch=batch, steps=10**9,
                      device=device.type, **overrides)
    trainer = Trainer(cfg, tmp / f"run-{model}-{resolution}-{time.monotonic_ns()}", dataset=folder, device=device)
    try:
        for _ in range(warmup):
            trainer.step()
        sync(device)
        t0, n0 = time.perf_counter(), trainer.nimg
        while time.perf_counter() - t0 < seconds:
            trainer.step()
        sync(device)
        dt = time.perf_counter() - t0
        return {"model": model, "resolution": resolution, "batch": trainer.batch, "width": trainer.cfg.width,
                "images_per_second": (trainer.nimg - n0) / dt, "steps": trainer.step_count - warmup}
    finally:
        trainer.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["quickstyle", "dcgan", "style"])
    ap.add_argument("--resolutions", nargs="+", type=int, default=None,
                    help="default 32 64 128 (and 256 on a GPU)")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=0, help="0: the studio's automatic batch")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    device = pick_device(args.device)
    resolutions = args.resolutions or ([32, 64, 128, 256] if device.type == "cuda" else [32, 64, 128])
    tmp = Path(tempfile.mkdtemp(prefix="gan-studio-tp-"))
    data = args.data if args.data.is_dir() else write_demo_data(tmp / "demo", 256, max(resolutions))
    print(f"device: {describe_device(device)}; data: {data}")
    from studio.core.training.suggest import default_model

    default = default_model(device.type in ("cuda", "mps"))
    rows = []
    for model in args.models:
        for res in resolutions:
            r = measure(model, res, data, device, args.seconds, args.warmup, args.batch, tmp)
            r["default"] = model == default
            rows.append(r)
            print(f"{model:>10} {res:>4} px  batch {r['batch']:>3}  width {r['width']:>3}: "
                  f"{r['images_per_second']:8.1f} images/s ({r['steps']} steps)"
                  f"{'  <- the default here' if r['default'] else ''}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"device": describe_device(device), "rows": rows}))
    return 0


if __name__ == "__main__":
    from training_thread import in_training_thread  # beside this script

    sys.exit(in_training_thread(main))
