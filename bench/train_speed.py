"""Training speed: the engine's DCGAN vs a plain PyTorch DCGAN loop of the same architecture and batch.

Both run in this one process, interleaved (engine, plain, engine, plain, ...) so that machine load
affects them alike; the medians and their ratio are printed. Target: ratio >= 0.95 on CPU.

    python bench/train_speed.py [--data DIR] [--resolution 64] [--batch 32] [--steps 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from studio.core.data import DataConfig, ImageFolder
from studio.core.demo import write_demo_data
from studio.core.device import describe_device, pick_device
from studio.core.models import ModelSpec, build_models
from studio.core.training.config import TrainConfig
from studio.core.training.trainer import Trainer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twemoji-64"


class PlainLoop:
    """The textbook DCGAN loop (Radford et al.; the PyTorch DCGAN tutorial) on the same uint8 data."""

    def __init__(self, images: torch.Tensor, resolution: int, batch: int, device: torch.device) -> None:
        torch.manual_seed(0)
        G, D = build_models(ModelSpec("dcgan", resolution, 100, 0, 64))
        self.G, self.D = G.to(device), D.to(device)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.images, self.batch, self.device = images, batch, device

    def step(self) -> None:
        b = self.batch
        idx = torch.randint(0, self.images.shape[0], (b,), device=self.device)
        real = self.images[idx].float() / 127.5 - 1
        fake = self.G(torch.randn(b, 100, device=self.device))
        ones, zeros = torch.ones(b, device=self.device), torch.zeros(b, device=self.device)
        loss_d = F.binary_cross_entropy_with_logits(self.D(real), ones) + F.binary_cross_entropy_with_logits(
            self.D(fake.detach()), zeros)
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(self.D(fake), ones)
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()


def timed(step, n: int, batch: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(n):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n * batch / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20, help="steps per timed round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    device = pick_device(args.device)
    tmp = Path(tempfile.mkdtemp(prefix="gan-studio-bench-"))
    data = args.data if args.data.is_dir() else write_demo_data(tmp / "demo", 256, args.resolution)
    folder = ImageFolder(data, DataConfig(args.resolution))
    cfg = TrainConfig(data=str(data), model="dcgan", resolution=args.resolution, batch=args.batch, loss="logistic",
                      augment="none", device=args.device, steps=10**9, width=64, z_dim=100)
    engine = Trainer(cfg, tmp / "run", dataset=folder, device=device)
    plain = PlainLoop(engine.images, args.resolution, args.batch, device)
    for _ in range(3):  # warm-up (allocator, kernels)
        engine.step()
        plain.step()
    e_rates, p_rates = [], []
    for _ in range(args.rounds):
        e_rates.append(timed(engine.step, args.steps, args.batch, device))
        p_rates.append(timed(plain.step, args.steps, args.batch, device))
    engine.close()
    e, p = statistics.median(e_rates), statistics.median(p_rates)
    print(f"device: {describe_device(device)}; data: {data} ({len(folder)} images); "
          f"dcgan {args.resolution}px batch {args.batch}; {args.rounds} rounds x {args.steps} steps")
    print(f"{'loop':<28}{'images/s (median)':>20}{'rounds':>30}")
    print(f"{'engine (EMA, mirror)':<28}{e:>20.1f}{' '.join(f'{r:.1f}' for r in e_rates):>30}")
    print(f"{'plain PyTorch loop':<28}{p:>20.1f}{' '.join(f'{r:.1f}' for r in p_rates):>30}")
    print(f"ratio engine/plain: {e / p:.3f}  (target >= 0.95 on CPU)")
    if args.json:
        args.json.write_text(json.dumps({"engine_ips": e, "plain_ips": p, "ratio": e / p,
                                         "device": describe_device(device)}))
    return 0


if __name__ == "__main__":
    from training_thread import in_training_thread  # beside this script

    sys.exit(in_training_thread(main))
