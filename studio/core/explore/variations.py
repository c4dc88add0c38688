"""Variations: pictures near a recipe's picture. Each is the recipe's final latent w moved by a small random
offset, `spread` standard deviations of w (measured on the model's own w, per dimension), the same offset on
every layer so that a picture changes as a whole. Deterministic: the offsets come from `seed` through NumPy's
legacy generator, like every seed of the studio (latents.z_from_seed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.formats.recipe import Recipe

if TYPE_CHECKING:
    from studio.core.explore.render import Renderer

SPREAD_SAMPLES = 256  # seeds whose w measure its spread (the mapping of 256 z: milliseconds)
MAX_COUNT = 64
MAX_SPREAD = 4.0


@dataclass(frozen=True)
class Variations:
    recipes: tuple[Recipe, ...]  # each with its final w embedded (it regenerates exactly)
    images: np.ndarray  # uint8 [count, H, W, 3]


def w_spread(renderer: Renderer, samples: int = SPREAD_SAMPLES) -> torch.Tensor:
    """The standard deviation of w per dimension [w_dim], over the first `samples` seeds (no truncation)."""
    ws = renderer.seed_ws(list(range(samples)), 1.0)  # [samples, num_ws, w_dim]; each layer's w is the same
    return ws[:, 0].std(dim=0)


def offsets(count: int, w_dim: int, seed: int) -> torch.Tensor:
    """`count` standard normal directions [count, w_dim], the same for the same seed on every machine."""
    rng = np.random.RandomState(seed)
    return torch.from_numpy(rng.standard_normal((count, w_dim)).astype(np.float32))


def make_variations(renderer: Renderer, recipe: Recipe, count: int = 8, spread: float = 0.5,
                    seed: int = 0) -> Variations:
    """`count` pictures near `recipe`'s; spread 0 gives the picture itself each time."""
    if not 1 <= count <= MAX_COUNT:
        raise StudioError(f"Make between 1 and {MAX_COUNT} variations at a time.")
    if not 0 <= spread <= MAX_SPREAD:
        raise StudioError(f"The spread must be between 0 and {MAX_SPREAD:g}.")
    base = renderer.ws(recipe)  # [1, num_ws, w_dim]
    step = offsets(count, base.shape[-1], seed).to(base.device) * w_spread(renderer).to(base.device) * spread
    ws = base + step[:, None, :]  # [count, num_ws, w_dim]
    recipes = tuple(recipe.with_w(ws[i:i + 1].cpu()) for i in range(count))
    images = np.stack([renderer.synthesize(ws[i:i + 1], recipe) for i in range(count)])
    return Variations(recipes, images)
