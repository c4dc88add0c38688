"""The 2-D mode-collapse benchmark (ring of 8, grid of 25; PacGAN protocol) with every studio loss.

    python bench/mode_collapse.py [--steps 6000] [--seeds 3] [--losses logistic,hinge,lsgan,wgan-gp,wgan]

Prints, per loss and mixture, the modes recovered and the % of high-quality samples (within 3 std of a
mode), as mean (min–max) over seeds, and the CPU seconds spent. tests/core/test_toy2d.py is the CI-sized
version of the same code (studio.core.training.toy2d).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from studio.core.training.toy2d import MIXTURES, train_toy


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--losses", default="logistic,hinge,lsgan,wgan-gp,wgan")
    p.add_argument("--mixtures", default="ring,grid")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="also write the results here")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    print(f"{'loss':9} {'mixture':7} {'modes':>14} {'% high quality':>18} {'CPU s':>7}")
    for loss in args.losses.split(","):
        for name in args.mixtures.split(","):
            mixture = MIXTURES[name]()
            runs, cpu = [], time.process_time()
            for seed in range(args.seeds):
                runs.append(train_toy(loss, mixture, steps=args.steps, batch=args.batch, seed=seed, lr=args.lr,
                                      hidden=args.hidden))
            cpu = time.process_time() - cpu
            modes = [r.score.modes for r in runs]
            hq = [100 * r.score.high_quality for r in runs]
            print(f"{loss:9} {name:7} {sum(modes) / len(modes):5.1f} ({min(modes)}–{max(modes)})/{len(mixture.means):<3}"
                  f" {sum(hq) / len(hq):7.1f} ({min(hq):.0f}–{max(hq):.0f}) {cpu:7.1f}", flush=True)
            rows += [r.to_json() for r in runs]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
