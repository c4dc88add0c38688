"""Writing artworks: PNGs with their recipe in text chunks, grids, GIF/WebP/MP4 animations; never overwriting.

Reading back: `regenerate` rebuilds the exact pixels from what a PNG says about how it was made
(`formats.png_recipe.read_embedded`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, PngImagePlugin

from studio.core.alpha import EDGES, Enlarge, cut_out, finish
from studio.core.errors import StudioError
from studio.core.export_formats import ANIMATIONS, AnimationOptions
from studio.core.formats.png_recipe import Embedded
from studio.core.formats.recipe import Recipe
from studio.core.images import tile, upscale
from studio.core.formats.upscale_record import UpscaleRecord

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
