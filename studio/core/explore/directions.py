"""Principal directions of w (GANSpace-style PCA over sampled latents), cached per checkpoint."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn as nn

from studio.core.errors import StudioError


class MapsLatents(Protocol):
    """What directions need of explore.render.Renderer (which imports this module, so it is not imported here)."""

    G: nn.Module

    @property
    def checkpoint_sha256(self) -> str: ...

    @property
    def w_dim(self) -> int: ...

    def z_to_ws(self, z: torch.Tensor, truncation: float = 1.0, class_index: int = 0) -> torch.Tensor: ...

PCA_SEED = 0x5EED  # fixed: the same checkpoint always gives the same directions
MAX_COMPONENTS = 32


@dataclass
class Directions:
    """Unit principal axes of w, largest variance first, with their standard deviations."""

    components: torch.Tensor  # [k, w_dim]
    stdevs: torch.Tensor  # [k]
    mean: torch.Tensor  # [w_dim]

    def __len__(self) -> int:
        return int(self.components.shape[0])


def default_cache_dir() -> Path:
    from studio.core.places import cache_root

    return cache_root() / "directions"


def compute_directions(renderer: MapsLatents, samples: int = 4096, components: int = MAX_COMPONENTS) -> Directions:
    """PCA of the w's of `samples` random z's (class 0, no truncation), in float64 on the CPU."""
    z = torch.from_numpy(np.random.RandomState(PCA_SEED).randn(samples, renderer.G.z_dim)).float()
    ws = []
    for chunk in z.split(512):
        ws.append(renderer.z_to_ws(chunk)[:, 0].cpu().double())
    w = torch.cat(ws)
    mean = w.mean(0)
    _, s, vh = torch.linalg.svd(w - mean, full_matrices=False)
    k = min(components, vh.shape[0])
    # Fix each axis' sign (SVD's is arbitrary) so "+amount" means the same on every machine.
    comps = vh[:k]
    signs = torch.sign(comps[torch.arange(k), comps.abs().argmax(1)])
    comps = comps * signs[:, None]
    stdevs = s[:k] / max(1.0, (samples - 1) ** 0.5)
    return Directions(comps.float(), stdevs.float(), mean.float())


def load_or_compute(renderer: MapsLatents, samples: int = 4096, cache_dir: str | Path | None = None) -> Directions:
    """Directions for this checkpoint, read from `cache_dir/<sha256>-<samples>.npz` when there."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"{renderer.checkpoint_sha256}-{samples}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                d = Directions(torch.from_numpy(f["components"]), torch.from_numpy(f["stdevs"]),
                               torch.from_numpy(f["mean"]))
            if d.components.shape[1] == renderer.w_dim:
                return d
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache file is recomputed below
    d = compute_directions(renderer, samples)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
        np.savez(tmp, components=d.components.numpy(), stdevs=d.stdevs.numpy(), mean=d.mean.numpy())
        os.replace(tmp, path)
    except OSError:
        pass  # no cache folder (read-only home): directions still work, just recomputed next time
    return d


def move(ws: torch.Tensor, directions: Directions, moves: list[tuple[int, float]],
         layers: range | None = None) -> torch.Tensor:
    """Move latents [B, num_ws, w_dim] by `amount` standard deviations along axis k, optionally on some layers."""
    out = ws.clone()
    sel = slice(None) if layers is None else slice(layers.start, layers.stop)
    if layers is not None and not 0 <= layers.start <= layers.stop <= ws.shape[1]:
        raise StudioError(f"Layer range {layers.start}-{layers.stop - 1} is outside this model's "
                          f"{ws.shape[1]} layers.")
    for k, amount in moves:
        if not 0 <= k < len(directions):
            raise StudioError(f"Direction {k} does not exist; there are {len(directions)}.")
        if amount == 0:
            continue  # exactly the identity
        step = (directions.components[k] * directions.stdevs[k] * float(amount)).to(ws)
        out[:, sel] = out[:, sel] + step
    return out
