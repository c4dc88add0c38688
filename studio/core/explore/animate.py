"""Frames for animations: interpolations through seeds or keyframe latents, and looping random walks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.explore.latents import lerp, path_positions, random_walk, slerp, z_from_seed
from studio.core.explore.render import Recipe, Renderer

MAX_FRAMES = 10_000
FrameProgress = Callable[[int, int], None]


def _check(frames: int) -> None:
    if not 1 <= frames <= MAX_FRAMES:
        raise StudioError(f"An animation has from 1 to {MAX_FRAMES} frames.")


def keyframe_frames(renderer: Renderer, keys: list[torch.Tensor], frames: int, loop: bool = True,
                    recipe: Recipe | None = None, progress: FrameProgress | None = None) -> Iterator[np.ndarray]:
    """Lerp in w through key latents [1, num_ws, w_dim] (favourites), eased so each key is held smoothly."""
    _check(frames)
    if not keys:
        raise StudioError("An animation needs at least one keyframe.")
    for f, (a, b, t) in enumerate(path_positions(len(keys), frames, loop)):
        yield renderer.synthesize(lerp(keys[a], keys[b], t), recipe)
        if progress is not None:
            progress(f + 1, frames)


def seed_frames(renderer: Renderer, seeds: list[int], frames: int, loop: bool = False, space: str = "z",
                recipe: Recipe | None = None, progress: FrameProgress | None = None) -> Iterator[np.ndarray]:
    """Interpolate through seeds: slerp in z (then map) or lerp in w."""
    _check(frames)
    recipe = recipe or Recipe()
    if space == "w":
        keys = [renderer.seed_ws([s], recipe.truncation, recipe.class_index) for s in seeds]
        yield from keyframe_frames(renderer, keys, frames, loop, recipe, progress)
        return
    if space != "z":
        raise StudioError("Interpolate in 'z' (spherical) or 'w' (linear).")
    zs = [z_from_seed(s, renderer.G.z_dim) for s in seeds]
    for f, (a, b, t) in enumerate(path_positions(len(zs), frames, loop)):
        ws = renderer.z_to_ws(slerp(zs[a], zs[b], t), recipe.truncation, recipe.class_index)
        yield renderer.synthesize(ws, recipe)
        if progress is not None:
            progress(f + 1, frames)


def walk_frames(renderer: Renderer, seed: int, frames: int, recipe: Recipe | None = None, turns: int = 1,
                progress: FrameProgress | None = None) -> Iterator[np.ndarray]:
    """A smooth random walk in z that returns to its start (a seamless loop)."""
    _check(frames)
    recipe = recipe or Recipe()
    zs = random_walk(seed, renderer.G.z_dim, frames, turns)
    for f in range(frames):
        ws = renderer.z_to_ws(zs[f:f + 1], recipe.truncation, recipe.class_index)
        yield renderer.synthesize(ws, recipe)
        if progress is not None:
            progress(f + 1, frames)


def walk_recipe(renderer: Renderer, seed: int, phase: float, base: Recipe | None = None, turns: int = 1) -> Recipe:
    """The recipe (final w embedded) at `phase` (period 1) of the looping walk of `seed`: for live playback."""
    from studio.core.explore.latents import walk_z

    base = base or Recipe()
    ws = renderer.z_to_ws(walk_z(seed, renderer.G.z_dim, phase, turns), base.truncation, base.class_index)
    return Recipe(seeds=[], truncation=base.truncation, noise_mode=base.noise_mode, noise_seed=base.noise_seed).with_w(ws)


def keyframe_recipe(renderer: Renderer, keys: list[Recipe], phase: float) -> Recipe:
    """The recipe (final w embedded) at `phase` (period 1) of the eased loop through key recipes."""
    from studio.core.explore.latents import ease

    if not keys:
        raise StudioError("A keyframe loop needs at least one favourite.")
    n = len(keys)
    u = (float(phase) % 1.0) * n
    i = min(int(u), n - 1)
    ws = lerp(renderer.ws(keys[i]), renderer.ws(keys[(i + 1) % n]), ease(u - i))
    first = keys[0]
    return Recipe(seeds=[], noise_mode=first.noise_mode, noise_seed=first.noise_seed).with_w(ws)
