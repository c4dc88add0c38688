"""Writing artworks: PNGs with their recipe in text chunks, grids; never overwriting a file."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from studio.core.errors import StudioError


def tile(images: Sequence[np.ndarray], cols: int | None = None, gap: int = 2) -> np.ndarray:
    """Images of equal size (H, W, 3) -> one grid, white gaps between cells."""
    n = len(images)
    cols = cols or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    h, w = images[0].shape[:2]
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 3), 255, np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = img
    return out


class Exporter:
    """Saves into one folder; an existing name gets a number (`name-2.png`), nothing is overwritten."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder).expanduser()

    def _write_new(self, name: str, write) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StudioError(f"Cannot create {self.folder}: {e.strerror or e}.") from None
        stem, suffix = Path(name).stem, Path(name).suffix
        tmp = self.folder / f".{stem}.{os.getpid()}.partial{suffix}"
        try:
            write(tmp)
            for i in range(1, 100_000):
                path = self.folder / (name if i == 1 else f"{stem}-{i}{suffix}")
                try:
                    os.link(tmp, path)  # fails if the name exists: atomic, never overwrites
                    return path
                except FileExistsError:
                    continue
            raise StudioError(f"Too many files named {name} in {self.folder}.")
        except OSError as e:
            raise StudioError(f"Cannot write {name} in {self.folder}: {e.strerror or e}.") from None
        finally:
            tmp.unlink(missing_ok=True)

    def save_png(self, image: np.ndarray, name: str, meta: dict[str, str] | None = None) -> Path:
        info = PngImagePlugin.PngInfo()
        for k, v in (meta or {}).items():
            info.add_itxt(k, v)
        return self._write_new(name, lambda p: Image.fromarray(image).save(p, format="PNG", pnginfo=info))

    def save_grid(self, images: Sequence[np.ndarray], name: str, meta: dict[str, str] | None = None,
                  cols: int | None = None) -> Path:
        return self.save_png(tile(images, cols), name, meta)
