"""The embedded demo set: abstract images drawn by our own code (seeded shapes, gradients, stripes),
so the studio can train something visible with no download."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PALETTES = [
    [(239, 71, 111), (255, 209, 102), (6, 214, 160), (17, 138, 178), (7, 59, 76)],
    [(38, 70, 83), (42, 157, 143), (233, 196, 106), (244, 162, 97), (231, 111, 81)],
    [(13, 27, 42), (27, 38, 59), (65, 90, 119), (119, 141, 169), (224, 225, 221)],
]


def demo_image(seed: int, size: int = 64) -> Image.Image:
    """One abstract picture: a gradient or stripes behind a few soft shapes, all from `seed`."""
    rng = np.random.default_rng(seed)
    pal = PALETTES[seed % len(PALETTES)]
    c0, c1 = (np.array(pal[i]) for i in rng.choice(len(pal), 2, replace=False))
    t = np.linspace(0, 1, size)[:, None, None]
    if rng.random() < 0.5:  # vertical gradient
        bg = (c0 * (1 - t) + c1 * t).repeat(size, axis=1)
    else:  # stripes
        period = rng.integers(6, 16)
        phase = (np.arange(size) // max(1, period // 2)) % 2
        bg = np.where(phase[None, :, None] == 0, c0, c1).repeat(size, axis=0).astype(np.float64)
        if rng.random() < 0.5:
            bg = bg.transpose(1, 0, 2)
    img = Image.fromarray(bg.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 4))):
        col = tuple(int(v) for v in pal[rng.integers(len(pal))])
        cx, cy = rng.uniform(0.2, 0.8, 2) * size
        r = rng.uniform(0.12, 0.3) * size
        kind = rng.integers(3)
        box = [cx - r, cy - r, cx + r, cy + r]
        if kind == 0:
            draw.ellipse(box, fill=col)
        elif kind == 1:
            draw.rectangle(box, fill=col)
        else:
            draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=col)
    return img


def write_demo_data(out_dir: str | os.PathLike, count: int = 512, size: int = 64, seed: int = 0) -> Path:
    """Write `count` demo PNGs into `out_dir` (created if needed); existing files are left alone."""
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = out / f"demo-{i:05d}.png"
        if not path.exists():
            demo_image(seed * 1_000_003 + i, size).save(path)
    return out
