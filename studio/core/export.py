"""Writing artworks: PNGs with their recipe in text chunks, grids, GIF/WebP/MP4 animations; never overwriting.

Reading back: `read_embedded` parses (and bounds) what a PNG says about how it was made, and
`regenerate` rebuilds the exact pixels from it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, PngImagePlugin

from studio.core.alpha import EDGES, EVERYWHERE, REGIONS, Enlarge, cut_out, finish
from studio.core.errors import StudioError
from studio.core.export_formats import ANIMATIONS, AnimationOptions
from studio.core.explore.inpaint_record import InpaintRecord
from studio.core.explore.recipe import Recipe
from studio.core.images import UPSCALES, open_picture, tile, upscale
from studio.core.upscale.record import LANCZOS, UpscaleRecord

MAX_RECIPE_CHARS = 1 << 20  # one image's recipe: the w of an 18 x 512 model is ~50 kB
MAX_GRID_CHARS = 8 << 20
MAX_GRID_CELLS = 4096
MAX_PNG_BYTES = 1 << 30


class Renderer(Protocol):
    """What saving and regenerating need of explore.render.Renderer (the exporter never imports it)."""

    @property
    def resolution(self) -> int: ...

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def background(self) -> tuple[int, int, int]: ...

    def render(self, recipe: Recipe) -> np.ndarray: ...

    def render_final(self, recipe: Recipe) -> np.ndarray: ...

    def describe(self, recipe: Recipe, embed_w: bool = True) -> dict[str, str]: ...

    def enlarger(self, scale: int, record: UpscaleRecord) -> Enlarge: ...


_PARTIAL = re.compile(r"^\..+\.(\d+)\.partial(\.[A-Za-z0-9]+)?$")


def remove_stale_partials(folder: Path) -> None:
    """Delete the temporaries of exports whose process died (killed mid-write); live ones are left."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        m = _PARTIAL.match(e.name)
        if m and not _process_alive(int(m.group(1))):
            try:
                os.unlink(e.path)
            except OSError:
                pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the link itself is atomic
    finally:
        os.close(fd)


class Exporter:
    """Saves into one folder; an existing name gets a number (`name-2.png`), nothing is overwritten."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder).expanduser()

    def _write_new(self, name: str, write: Callable[[Path], None]) -> Path:
        """Write into a hidden temporary, fsync it, then hard-link it to the first free name: a reader (or
        a kill at any moment) sees no file or the complete one, and an existing file is never replaced."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StudioError(f"Cannot create {self.folder}: {e.strerror or e}.") from None
        remove_stale_partials(self.folder)
        stem, suffix = Path(name).stem, Path(name).suffix
        tmp = self.folder / f".{stem}.{os.getpid()}.partial{suffix}"
        try:
            write(tmp)
            with open(tmp, "rb+") as f:  # the bytes reach the disk before the name does
                os.fsync(f.fileno())
            for i in range(1, 100_000):
                path = self.folder / (name if i == 1 else f"{stem}-{i}{suffix}")
                try:
                    os.link(tmp, path)  # fails if the name exists: atomic, never overwrites
                    _fsync_dir(self.folder)
                    return path
                except FileExistsError:
                    continue
            raise StudioError(f"Too many files named {name} in {self.folder}.")
        except OSError as e:
            raise StudioError(f"Cannot write {name} in {self.folder}: {e.strerror or e}. "
                              "Files already there are intact.") from None
        finally:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # an unwritable folder: the write failed before the temporary existed

    def save_bytes(self, data: bytes, name: str) -> Path:
        """An already encoded file (e.g. a PNG the window made), under a new name."""

        def write(p: Path) -> None:
            with open(p, "wb") as f:
                f.write(data)

        return self._write_new(name, write)

    def save_png(self, image: np.ndarray, name: str, meta: dict[str, str] | None = None, scale: int = 1) -> Path:
        """A PNG (optionally upscaled x2/x4, Lanczos) with `meta` as iTXt chunks."""
        info = PngImagePlugin.PngInfo()
        for k, v in (meta or {}).items():
            info.add_itxt(k, v)
        image = upscale(image, scale)
        return self._write_new(name, lambda p: Image.fromarray(image).save(p, format="PNG", pnginfo=info))

    def save_grid(self, images: Sequence[np.ndarray], name: str, meta: dict[str, str] | None = None,
                  cols: int | None = None, scale: int = 1) -> Path:
        return self.save_png(tile(images, cols), name, meta, scale)

    def save_recipe(self, renderer: Renderer, recipe: Recipe, name: str) -> Path:
        """Render a recipe at its size (native x recipe.upscale) and save it with the recipe embedded."""
        return self.save_png(renderer.render_final(recipe), name, renderer.describe(recipe))

    def save_animation(self, frames: Iterable[np.ndarray], name: str, fps: float = 24.0, loop: bool = True,
                       comment: str | None = None) -> Path:
        """Frames in the format the name's suffix asks for (export_formats.ANIMATIONS: GIF, WebP, MP4)."""
        suffix = Path(name).suffix.lower()
        fmt = ANIMATIONS.get(suffix)
        if fmt is None:
            raise StudioError(f"Animations are saved as {', '.join(ANIMATIONS)}; '{suffix}' is not one.")
        if not 0 < fps <= 120:
            raise StudioError("Frames per second must be between 0 and 120.")
        if not fmt.available():
            raise StudioError(fmt.missing)
        frames = list(frames)
        if not frames:
            raise StudioError("An animation needs at least one frame.")
        opts = AnimationOptions(fps, loop, comment)
        return self._write_new(name, lambda p: fmt.write(p, frames, opts))


@dataclass
class GridLayout:
    kind: str
    cols: int
    gap: int
    upscale: int
    cells: list[Recipe | None] = field(default_factory=list)
    transparent: bool = False  # the run's background colour taken out as alpha (core/alpha.py)
    transparent_region: str = EDGES  # around each cell's subject, or everywhere (grids from before: everywhere)
    upscaler: UpscaleRecord = field(default_factory=UpscaleRecord)  # Lanczos, or the learned upscale's file


@dataclass
class Embedded:
    """What a studio PNG says about how it was made."""

    version: str
    checkpoint: str
    checkpoint_sha256: str
    model: str
    recipe: Recipe | None = None
    grid: GridLayout | None = None
    inpaint: InpaintRecord | None = None  # an inpainting: the source's SHA-256, the hole, the feather
    canvas: str = ""  # "24x16": the picture's width x height at native size ("": a PNG from before shapes)

    def to_json(self) -> dict:
        d: dict = {"studio_version": self.version, "checkpoint": self.checkpoint,
                   "checkpoint_sha256": self.checkpoint_sha256, "model": self.model}
        if self.canvas:
            d["canvas"] = self.canvas
        if self.recipe is not None:
            d["recipe"] = self.recipe.to_json()
        if self.grid is not None:
            d["grid"] = {"kind": self.grid.kind, "cols": self.grid.cols, "gap": self.grid.gap,
                         "upscale": self.grid.upscale, "transparent": self.grid.transparent,
                         "transparent_region": self.grid.transparent_region, **self.grid.upscaler.to_json(),
                         "cells": [None if c is None else c.to_json() for c in self.grid.cells]}
        if self.inpaint is not None:
            d["inpaint"] = self.inpaint.to_json()
        return d


def _json(text: str, cap: int, what: str):
    if len(text) > cap:
        raise StudioError(f"The {what} in this PNG is {len(text)} characters long; more than the {cap} allowed.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise StudioError(f"The {what} in this PNG is not valid JSON.") from None


def read_png_text(path: str | os.PathLike) -> dict[str, str]:
    """The text chunks before the image data, without decoding pixels (bounded by Pillow's text caps)."""
    path = Path(path).expanduser()
    with open_picture(path, "cannot be read as a PNG", max_bytes=MAX_PNG_BYTES) as im:
        if im.format != "PNG":
            raise StudioError(f"{path.name} is a {im.format} file; recipes are read from PNGs.")
        return {str(k): v for k, v in im.info.items() if isinstance(v, str)}


def read_embedded(path: str | os.PathLike) -> Embedded:
    """The recipe (or grid of recipes) a studio PNG carries; StudioError if it has none or it is malformed."""
    text = read_png_text(path)
    if "gan-studio:recipe" not in text and "gan-studio:grid" not in text:
        raise StudioError(f"{Path(path).name} carries no GAN Studio recipe.")
    emb = Embedded(
        version=text.get("gan-studio:version", "")[:64], checkpoint=text.get("gan-studio:checkpoint", "")[:4096],
        checkpoint_sha256=text.get("gan-studio:checkpoint-sha256", "")[:64], model=text.get("gan-studio:model", "")[:32],
        canvas=_canvas(text.get("gan-studio:canvas", "")),
    )
    if "gan-studio:recipe" in text:
        emb.recipe = Recipe.from_json(_json(text["gan-studio:recipe"], MAX_RECIPE_CHARS, "recipe"))
        if "gan-studio:inpaint" in text:
            emb.inpaint = InpaintRecord.from_json(_json(text["gan-studio:inpaint"], MAX_RECIPE_CHARS,
                                                        "inpainting record"))
    else:
        g = _json(text["gan-studio:grid"], MAX_GRID_CHARS, "grid recipe")
        if not isinstance(g, dict) or not isinstance(g.get("cells"), list):
            raise StudioError("The grid recipe in this PNG has no list of cells.")
        cells = g["cells"]
        cols, gap, up = g.get("cols"), g.get("gap", 2), g.get("upscale", 1)
        if len(cells) == 0 or len(cells) > MAX_GRID_CELLS:
            raise StudioError(f"The grid recipe must have from 1 to {MAX_GRID_CELLS} cells.")
        if not (isinstance(cols, int) and 1 <= cols <= len(cells)) or not (isinstance(gap, int) and 0 <= gap <= 64):
            raise StudioError("The grid recipe's layout (columns, gap) is not valid.")
        if up not in UPSCALES:
            raise StudioError("The grid recipe's upscale must be 1, 2 or 4.")
        transparent = g.get("transparent", False)
        if not isinstance(transparent, bool):
            raise StudioError("The grid recipe's transparent switch must be true or false.")
        region = g.get("transparent_region", EVERYWHERE if transparent else EDGES)  # none: made before regions
        if region not in REGIONS:
            raise StudioError(f"The grid recipe's transparent region must be {' or '.join(REGIONS)}.")
        record = UpscaleRecord.from_json(g, "grid recipe")
        if record.upscaler != LANCZOS and up == 1:
            raise StudioError("The grid recipe's learned upscaler is for exports at ×2 or ×4.")
        emb.grid = GridLayout(str(g.get("kind", "grid"))[:32], cols, gap, up,
                              [None if c is None else Recipe.from_json(c) for c in cells], transparent, region, record)
    return emb


def _canvas(text: str) -> str:
    """A PNG's recorded shape, '24x16' (width x height); '' when absent, an error when malformed."""
    if not text:
        return ""
    w, _, h = text.partition("x")
    if not (w.isdigit() and h.isdigit() and 0 < int(w) <= 65536 and 0 < int(h) <= 65536):
        raise StudioError(f"The shape recorded in this PNG ({text[:40]!r}) is not width x height.")
    return f"{int(w)}x{int(h)}"


def regenerate(embedded: Embedded, renderer: Renderer) -> np.ndarray:
    """The exact pixels an embedded recipe describes (bit-identical on the device that made them)."""
    h, w = renderer.size
    if embedded.canvas and embedded.canvas != f"{w}x{h}":
        made = embedded.canvas.replace("x", "×")
        raise StudioError(f"This picture was made {made} px and this checkpoint makes {w}×{h} px pictures: "
                          "it is not the checkpoint that made it.")
    if embedded.recipe is not None:
        return renderer.render_final(embedded.recipe)
    assert embedded.grid is not None
    g = embedded.grid
    blank = np.full((h, w, 3), 255, np.uint8)
    images = [blank if c is None else renderer.render(c) for c in g.cells]
    return grid_picture(images, g.cols, g.gap, g.upscale, g.transparent, renderer.background, g.transparent_region,
                        renderer.enlarger(g.upscale, g.upscaler))


def grid_picture(images: Sequence[np.ndarray], cols: int, gap: int, scale: int, transparent: bool,
                 background: tuple[int, int, int], region: str = EDGES, enlarge: Enlarge = upscale) -> np.ndarray:
    """A grid as exported (and regenerated): tiled and upscaled (by `enlarge`: Lanczos or a learned upscale),
    as trained or transparent. EVERYWHERE (the first transparent grids): the tiled grid, white gaps and all,
    un-composited. EDGES: each cell cut out around its subject on its own (its own borders), laid out with
    clear gaps."""
    if transparent and region == EDGES:
        return tile([cut_out(im, background, scale, enlarge=enlarge) for im in images], cols, gap * scale, fill=0)
    return finish(tile(images, cols, gap), scale, transparent, background, region, enlarge)
