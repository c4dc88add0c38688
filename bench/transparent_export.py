"""Transparent export cost: `core.alpha.finish` around the subject (EDGES: the flood at native size, the
weight enlarged) against everywhere (EVERYWHERE: colour-to-alpha alone), at x1 / x2 / x4 of a 256 px picture.
Three pictures: a soft ring with a white inside (the typical case: the flood settles in a few passes), a
one-pixel-walled square spiral (the worst case for the scanline flood: one pass per turn) and noise (every
pixel a different alpha). Best of --rounds, milliseconds, on one NumPy thread.

    OMP_NUM_THREADS=1 python bench/transparent_export.py [--size 256] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WHITE = (255, 255, 255)


def ring(size: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    from studio.core.alpha import composite

    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    s = size * 4
    d.ellipse([s * 0.1, s * 0.1, s * 0.9, s * 0.9], fill=(30, 20, 90, 255))
    d.ellipse([s * 0.3, s * 0.3, s * 0.7, s * 0.7], fill=(255, 255, 255, 255))
    return composite(np.asarray(big.resize((size, size), Image.LANCZOS)), WHITE)


def spiral(size: int) -> np.ndarray:
    """A dark picture with a two-pixel white corridor spiralling in from the top edge (one-pixel walls): the
    background's one path turns ~size/1.5 times, the worst case for the scanline flood (a pass per turn)."""
    a = np.zeros((size, size, 3), np.uint8)
    n = (size - 1) // 3
    top, bottom, left, right = 0, n - 1, 0, n - 1
    path = []
    while top <= bottom and left <= right:
        path += [(top, j) for j in range(left, right + 1)]
        path += [(i, right) for i in range(top + 1, bottom + 1)]
        if top < bottom:
            path += [(bottom, j) for j in range(right - 1, left - 1, -1)]
        if left < right:
            path += [(i, left) for i in range(bottom - 1, top, -1)]
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    a[0, 1:3] = 255  # the opening in the top edge
    for k, (i, j) in enumerate(path):
        a[1 + 3 * i: 3 + 3 * i, 1 + 3 * j: 3 + 3 * j] = 255
        if k:
            (pi, pj) = path[k - 1]
            a[1 + 3 * min(i, pi): 3 + 3 * max(i, pi), 1 + 3 * min(j, pj): 3 + 3 * max(j, pj)] = 255
    return a


def best(f, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    from studio.core.alpha import EDGES, EVERYWHERE, background_region, finish

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    pictures = {"ring": ring(args.size), "spiral": spiral(args.size),
                "noise": np.random.default_rng(0).integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)}
    print(f"{'picture':8} {'scale':>5} {'edges ms':>9} {'everywhere ms':>14} {'region x1 ms':>13}")
    for name, pic in pictures.items():
        region = best(lambda: background_region(pic, WHITE), args.rounds)
        for scale in (1, 2, 4):
            e = best(lambda: finish(pic, scale, True, WHITE, EDGES), args.rounds)
            g = best(lambda: finish(pic, scale, True, WHITE, EVERYWHERE), args.rounds)
            print(f"{name:8} {'x' + str(scale):>5} {e:9.1f} {g:14.1f} {region:13.1f}")


if __name__ == "__main__":
    main()
