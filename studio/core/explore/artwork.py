"""One export request (what the Export dialog asks for) carried out headless: image, grid or animation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.core.alpha import EDGES
from studio.core.errors import StudioError
from studio.core.explore.animate import keyframe_frames, walk_frames
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import Exporter, grid_picture
from studio.core.export_formats import ANIMATIONS

KINDS = ("image", "grid", "keyframes", "walk")
GRID_GAP = 2  # px between a grid's cells, at native size


def grid_columns(count: int) -> int:
    """A grid of `count` favourites: as square as it gets (5 → 3 columns)."""
    return max(1, math.ceil(math.sqrt(count)))


def grid_preview(renderer: Renderer, favourites: list[Recipe] | tuple[Recipe, ...],
                 cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """The favourites' grid laid out as `export_artwork` lays it out, at native size on the trained background
    (the Export dialog's preview)."""
    images = []
    for r in favourites:
        if cancelled is not None and cancelled():
            raise Cancelled()
        images.append(renderer.render(r))
    return grid_picture(images, grid_columns(len(images)), GRID_GAP, 1, False, renderer.background)


class Cancelled(Exception):
    """The user cancelled an export; nothing was written."""


@dataclass(frozen=True)
class ArtworkRequest:
    kind: str  # "image": the current image; "grid": the favourites; "keyframes": a loop through them; "walk"
    folder: str
    name: str  # file name without suffix
    fmt: str = ".png"  # ".png" for image/grid; ".gif" | ".webp" | ".mp4" for animations
    scale: int = 1
    recipe: Recipe | None = None
    favourites: tuple[Recipe, ...] = field(default_factory=tuple)
    walk_seed: int = 0
    frames: int = 60
    fps: float = 24.0
    transparent: bool = False  # PNGs: the run's background colour taken out as alpha (core/alpha.py)
    transparent_region: str = EDGES  # around the subject, or EVERYWHERE the colour shows
    upscaler: str = "auto"  # ×2/×4 with: "auto" (the run's learned upscale where it has one), "lanczos", "learned"

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise StudioError(f"Unknown export '{self.kind}'.")
        animated = self.kind in ("keyframes", "walk")
        if animated and self.fmt not in ANIMATIONS:
            raise StudioError(f"Animations are saved as {', '.join(f.label for f in ANIMATIONS.values())}.")
        if not animated and self.fmt != ".png":
            raise StudioError("Images and grids are saved as PNG (with their recipe).")
        if self.scale not in (1, 2, 4):
            raise StudioError("Upscale x1, x2 or x4.")
        if not self.name.strip() or "/" in self.name or "\\" in self.name:
            raise StudioError("Give the file a name (without folders).")
        if self.kind == "image" and self.recipe is None:
            raise StudioError("There is no image to export yet.")
        if self.transparent and animated:
            raise StudioError("Animations are exported on the background they were trained on; "
                              "transparency is for PNG images and grids.")
        if self.kind in ("grid", "keyframes") and not self.favourites:
            raise StudioError("Add favourites first (the ♥ button): grids and keyframe loops are made of them.")


def export_artwork(renderer: Renderer, req: ArtworkRequest, progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Path:
    """Write what `req` asks for; PNGs carry their recipe. Raises Cancelled when `cancelled()` turns true."""
    req.validate()
    ex = Exporter(req.folder)
    name = req.name.strip() + req.fmt

    def tick(i: int, n: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(i, n)

    up = renderer.choose_upscale(req.scale, req.upscaler)
    if req.kind == "image":
        recipe = Recipe.from_json({**req.recipe.to_json(), "transparent": req.transparent,
                                   "transparent_region": req.transparent_region}).with_upscale(req.scale, up.record)
        path = ex.save_recipe(renderer, recipe, name)
        tick(1, 1)
        return path
    if req.kind == "grid":
        cells = list(req.favourites)
        images = []
        for i, r in enumerate(cells):
            images.append(renderer.render(r))
            tick(i + 1, len(cells))
        cols = grid_columns(len(cells))
        meta = renderer.describe_grid(cells, cols, upscale=req.scale, kind="favourites", transparent=req.transparent,
                                      transparent_region=req.transparent_region, upscaler=up.record)
        picture = grid_picture(images, cols, GRID_GAP, req.scale, req.transparent, renderer.background, req.transparent_region,
                               up)
        return ex.save_png(picture, name, meta)
    if req.kind == "keyframes":
        keys = [renderer.ws(r) for r in req.favourites]
        frames = keyframe_frames(renderer, keys, req.frames, loop=True, recipe=req.favourites[0], progress=tick)
    else:
        base = req.recipe or Recipe()
        frames = walk_frames(renderer, req.walk_seed, req.frames, base, progress=tick)
    return ex.save_animation((up(f, req.scale) for f in frames), name, req.fps, loop=True)
