"""The cascade route to big pictures on a CPU: a small generator, then the learned upscale of the run's folder.

A cascade leg of bench/quality.py (a recipe with "cascade": {"resolution": R, "upscale_minutes": U}) spends
its budget in two parts, both counted by the leg's clock: the generator trains at R px for the leg's minutes
less U, then the run's learned upscale (core/upscale) trains ×(cell px / R) from the run's own folder for the
rest (decoding the folder's pairs included). `CascadeGenerator` puts the two together for scoring: the
generator's pictures, enlarged by the learned upscale, at the cell's resolution.

With "upscale": "lanczos" the leg trains no upscale (the generator gets the whole budget) and its pictures
are enlarged with Lanczos instead: the cascade's other route, against which the learned one must win.

    python bench/cascade.py PAIR [PAIR ...]    # each cascade leg's generator scored at its own size

tells the generator from the enlargement: KID of its pictures before the ×2, against the folder at that size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn


def train_upscale_part(run: str, scale: int, budget_s: float, clock) -> dict:
    """Train the run's ×scale upscale for what is left of `budget_s` on `clock` after reading the pairs."""
    from studio.core.upscale.learned import run_pairs, train_run_upscaler

    t0 = clock()
    pairs = run_pairs(run, scale)
    read_s = clock() - t0
    result = train_run_upscaler(run, pairs, max(1.0, budget_s - read_s), clock=clock)
    return {"scale": scale, "read_s": round(read_s, 1), "train_s": round(clock() - t0 - read_s, 1),
            "held_out": result.score.describe()}


class CascadeGenerator(nn.Module):
    """A frozen generator whose pictures go through a learned upscale: what the cascade exports."""

    def __init__(self, G: nn.Module, run: str | Path, scale: int, upscale: str = "learned") -> None:
        super().__init__()
        from studio.core.upscale.store import load_upscaler, upscaler_path

        self.G = G
        self.scale = scale
        self.net = load_upscaler(upscaler_path(run, scale)).network() if upscale == "learned" else None
        self.z_dim = G.z_dim

    def mapping(self, z, c=None, **kw):
        return self.G.mapping(z, c, **kw)

    @torch.no_grad()
    def synthesis(self, ws, **kw) -> torch.Tensor:
        from studio.core.upscale.network import enlarge, lanczos_bases

        x = self.G.synthesis(ws, **kw)
        small = np.ascontiguousarray(
            (x.float() * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
        big = enlarge(self.net, small) if self.net is not None else lanczos_bases(small, self.scale)
        # (v - 127.5) / 127.5 comes back as v + 0.5 through the callers' (x * 127.5 + 128).to(uint8): v exactly
        return (torch.from_numpy(big).permute(0, 3, 1, 2).float() - 127.5) / 127.5


def main() -> None:
    """Score cascade legs' generators at their own size: is it the generator or the enlargement that holds back?"""
    import argparse
    import json
    import sys

    p = argparse.ArgumentParser(description="Score the generator of each cascade leg (a quality-matrix pair folder) "
                                "at its own size, against the folder taken to that size, before any enlargement.")
    p.add_argument("pairs", nargs="+", help="quality-matrix pair folders whose recipe leg is a cascade")
    p.add_argument("--real", type=int, default=1000)
    p.add_argument("--fake", type=int, default=500)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import quality
    from quality_matrix import CACHE  # the matrix's cache (GAN_STUDIO_BENCH_CACHE): its features, its shots

    p.add_argument("--shots", default=str(CACHE / "shots"))
    args = p.parse_args()

    legs = {}
    for pair in map(Path, args.pairs):
        if not (pair / "recipe" / "bench-leg.json").is_file():
            raise SystemExit(f"{pair}: not a quality-matrix pair folder (no recipe/bench-leg.json)")
        leg = json.loads((pair / "recipe" / "bench-leg.json").read_text())
        if "cascade" not in leg:
            raise SystemExit(f"{pair}: its recipe leg is not a cascade (no enlargement to take off)")
        legs[pair.name] = {k: v for k, v in leg.items() if k != "cascade"}
    if len({(leg["config"]["data"], leg["config"]["resolution"]) for leg in legs.values()}) > 1:
        raise SystemExit("the pairs must share a folder and a generator size: they are scored against one set of "
                         "real pictures")
    ns = argparse.Namespace(eval_threads=1, real=args.real, fake=args.fake, inception=None, shots=args.shots,
                            tag="generator-size-", raw=False, out=str(Path(args.pairs[0])),
                            cache=str(CACHE / "features"))
    for name, s in quality.evaluate(ns, legs).items():
        print(f"{name}: {legs[name]['config']['resolution']} px, {s['kimg']} kimg: KID {s['kid'] * 1e3:.1f} ×10³ "
              f"± {s['kid_std'] * 1e3:.1f}, FID {s['fid']:.1f}, grid {s['grid']}")


if __name__ == "__main__":
    main()
