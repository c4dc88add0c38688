"""Style mixing: layer ranges of w from one seed, the rest from another; StyleGAN-style mixing grids."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn as nn

from studio.core.errors import StudioError
from studio.core.formats.checkpoint_state import CheckpointState
from studio.core.formats.recipe import Recipe
from studio.core.images import tile


class Renders(Protocol):
    """What mixing needs of explore.render.Renderer (which imports this module, so it is not imported here)."""

    G: nn.Module
    state: CheckpointState

    @property
    def is_style(self) -> bool: ...

    @property
    def num_ws(self) -> int: ...

    @property
    def size(self) -> tuple[int, int]: ...

    def ws(self, recipe: Recipe) -> torch.Tensor: ...

    def render(self, recipe: Recipe) -> np.ndarray: ...

GROUPS = ("coarse", "middle", "fine")


def require_style(renderer: Renders) -> None:
    if not renderer.is_style or not hasattr(renderer.G, "layer_groups"):
        raise StudioError("Style mixing needs the style-based model: this checkpoint is a "
                          f"{renderer.state.model} model, which has one latent for all "
                          "layers. Train with --model style (or quickstyle on a CPU) to mix styles.")


def layer_range(text: str, renderer: Renders) -> range:
    """'coarse' | 'middle' | 'fine' | 'A-B' (inclusive w indices) | 'A' | '' (no layers) -> a range."""
    require_style(renderer)
    text = str(text).strip().lower()
    n = renderer.num_ws
    if text in ("", "none"):
        return range(0, 0)
    if text == "all":
        return range(0, n)
    if text in GROUPS:
        return renderer.G.layer_groups()[text]
    try:
        a, _, b = text.partition("-")
        lo, hi = int(a), int(b) if b else int(a)
    except ValueError:
        raise StudioError(f"'{text}' is not a layer range: use coarse, middle, fine or A-B (e.g. 0-3).") from None
    if not 0 <= lo <= hi < n:
        raise StudioError(f"Layers {lo}-{hi} do not exist: this model has layers 0-{n - 1}.")
    return range(lo, hi + 1)


def mix_ws(dst: torch.Tensor, src: torch.Tensor, layers: range) -> torch.Tensor:
    """dst's latents [B, num_ws, w_dim] with the w's of `layers` taken from src."""
    out = dst.clone()
    if len(layers):
        out[:, layers.start:layers.stop] = src[:, layers.start:layers.stop].to(out)
    return out


@dataclass
class MixGrid:
    """A rows x cols mixing grid: cell (r, c) is row seed r with column seed c's styles on `layers`."""

    image: np.ndarray  # the whole grid with a header row and column, uint8 (H, W, 3)
    cells: list[Recipe | None]  # row-major, (rows + 1) x (cols + 1); the top-left corner is blank
    cols: int  # cells per grid row (cols + 1)
    cell_images: list[list[np.ndarray]]  # [row][col] of the mixed cells only


def mix_recipe(base: Recipe, row_seed: int, col_seed: int, layers: range) -> Recipe:
    return dataclasses.replace(base, seeds=[row_seed], weights=None, mix_seed=col_seed,
                               mix_layers=[layers.start, layers.stop], w=None, w_shape=None)


def _source(renderer: Renders, base: Recipe, src: int | Recipe) -> Recipe:
    """A grid source: a seed (with the base's truncation) or a whole recipe such as a favourite."""
    if isinstance(src, int):
        return dataclasses.replace(base, seeds=[src], weights=None, mix_seed=None, mix_layers=None, w=None,
                                   w_shape=None)
    return src


def mix_cell(renderer: Renders, base: Recipe, row: int | Recipe, col: int | Recipe, layers: range) -> Recipe:
    """The recipe of one mixed cell: seeds stay seeds (readable recipes); favourites mix by their w."""
    if isinstance(row, int) and isinstance(col, int):
        return mix_recipe(base, row, col, layers)
    r, c = _source(renderer, base, row), _source(renderer, base, col)
    ws = mix_ws(renderer.ws(r), renderer.ws(c), layers)
    return Recipe.with_w(dataclasses.replace(r, seeds=[], weights=None, mix_seed=None, mix_layers=None,
                                             directions=[], direction_layers=None), ws)


def mix_grid(renderer: Renders, rows: list[int | Recipe], cols: list[int | Recipe], layers: range,
             base: Recipe | None = None, gap: int = 2) -> MixGrid:
    """StyleGAN's style_mixing.py layout: column sources along the top, row sources down the left.

    A source is a seed or a recipe (a favourite, a projection); a cell is its row source with the
    column source's w on `layers`.
    """
    require_style(renderer)
    if not rows or not cols:
        raise StudioError("A mixing grid needs at least one row seed and one column seed.")
    if len(rows) * len(cols) > 1024:
        raise StudioError("A mixing grid is limited to 1024 cells.")
    base = base or Recipe()
    blank = np.full((*renderer.size, 3), 255, np.uint8)
    cells: list[Recipe | None] = [None]
    images = [blank]
    for c in cols:
        r = _source(renderer, base, c)
        cells.append(r)
        images.append(renderer.render(r))
    cell_images = []
    for row in rows:
        r0 = _source(renderer, base, row)
        cells.append(r0)
        images.append(renderer.render(r0))
        line = []
        for c in cols:
            rc = mix_cell(renderer, base, row, c, layers)
            cells.append(rc)
            img = renderer.render(rc)
            images.append(img)
            line.append(img)
        cell_images.append(line)
    return MixGrid(tile(images, len(cols) + 1, gap), cells, len(cols) + 1, cell_images)
