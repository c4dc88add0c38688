"""Rendering images from a frozen generator snapshot, described by a Recipe (seed(s), truncation...)."""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from studio import __version__
from studio.core.errors import StudioError
from studio.core.explore.latents import z_from_seed
from studio.core.training.checkpoint import file_sha256
from studio.core.training.trainer import checkpoint_for, images_to_uint8, load_generator

NOISE_MODES = ("const", "random", "none")
UPSCALES = (1, 2, 4)
# Caps on what a recipe read from a file may ask for: a PNG from elsewhere must not make us allocate
# gigabytes or loop for hours.
MAX_SEEDS = 4096
MAX_W_VALUES = 1 << 17  # 512 KiB of float32: 18 x 512 (StyleGAN at 1024 px) is 9216
MAX_DIRECTIONS = 64
MAX_PCA_SAMPLES = 100_000
MAX_SEED = 2**32 - 1


def encode_w(ws: torch.Tensor) -> tuple[str, list[int]]:
    """Per-layer latents [num_ws, w_dim] -> (base64 of little-endian float32, shape): exact, compact."""
    arr = ws.detach().to("cpu", torch.float32).numpy().astype("<f4")
    return base64.b64encode(arr.tobytes()).decode("ascii"), list(arr.shape)


def decode_w(text: str, shape: list[int]) -> torch.Tensor:
    n = math.prod(shape)
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise StudioError("The recipe's w vector is not valid base64.") from None
    if len(raw) != 4 * n:
        raise StudioError(f"The recipe's w vector has {len(raw) // 4} numbers; its shape {shape} needs {n}.")
    arr = np.frombuffer(raw, dtype="<f4").reshape(shape)
    if not np.isfinite(arr).all():
        raise StudioError("The recipe's w vector contains infinite or undefined numbers.")
    return torch.from_numpy(arr.astype(np.float32))


@dataclass
class Recipe:
    """Everything that pins down one image, given a checkpoint.

    The latent is built as: the seeds' w (blended by `weights`, truncated towards the mean w), then the
    layers `mix_layers` replaced by `mix_seed`'s w (style mixing), then moved along principal
    `directions`. When `w` is set (projections, exports) it is the final per-layer latent and wins:
    the other fields then only say how it was made, and the image no longer depends on them.
    """

    seeds: list[int] = field(default_factory=lambda: [0])
    weights: list[float] | None = None  # blend of the seeds' w (None: the first seed alone)
    truncation: float = 1.0
    class_index: int = 0
    noise_mode: str = "const"  # "const" | "random" | "none"
    noise_seed: int = 0
    noise_layers: list[bool] | None = None  # per synthesis layer; None: noise everywhere
    mix_seed: int | None = None
    mix_layers: list[int] | None = None  # [start, stop) of the w indices taken from mix_seed
    directions: list[list[float]] = field(default_factory=list)  # [[k, amount in std-devs], ...]
    direction_layers: list[int] | None = None  # [start, stop); None: every layer
    pca_samples: int = 4096
    w: str | None = None  # base64 little-endian float32 [num_ws, w_dim]
    w_shape: list[int] | None = None
    upscale: int = 1  # exported at native size x upscale (Lanczos)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Recipe:
        """A recipe from untrusted JSON (a PNG from anywhere): checked field by field, with size caps."""
        if not isinstance(d, dict):
            raise StudioError("The recipe is not a JSON object.")
        names = {f.name for f in dataclasses.fields(cls)}
        r = cls(**{k: v for k, v in d.items() if k in names})
        r.validate()
        return r

    def validate(self) -> None:
        def bad(what: str) -> StudioError:
            return StudioError(f"The recipe's {what}.")

        def is_int(v) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v) -> bool:
            return (is_int(v) or isinstance(v, float)) and math.isfinite(v)

        def is_range(v) -> bool:
            return (isinstance(v, list) and len(v) == 2 and all(is_int(x) for x in v) and 0 <= v[0] <= v[1] <= 4096)

        if not isinstance(self.seeds, list) or len(self.seeds) > MAX_SEEDS:
            raise bad(f"seeds must be a list of at most {MAX_SEEDS} seeds")
        if not all(is_int(s) and 0 <= s <= MAX_SEED for s in self.seeds):
            raise bad("seeds must be whole numbers from 0 to 4294967295")
        if not self.seeds and self.w is None:
            raise bad("seed list is empty and it has no w vector")
        if self.weights is not None:
            if not isinstance(self.weights, list) or len(self.weights) != len(self.seeds):
                raise bad("blend weights must be one number per seed")
            if not all(is_num(x) and x >= 0 for x in self.weights) or sum(self.weights) <= 0:
                raise bad("blend weights must be non-negative numbers, not all zero")
        if not is_num(self.truncation) or abs(self.truncation) > 100:
            raise bad("truncation must be a number between -100 and 100")
        if not is_int(self.class_index) or not 0 <= self.class_index < 100_000:
            raise bad("class must be a small whole number")
        if self.noise_mode not in NOISE_MODES:
            raise bad(f"noise mode must be one of {', '.join(NOISE_MODES)}")
        if not is_int(self.noise_seed) or not 0 <= self.noise_seed <= 2**63 - 1:
            raise bad("noise seed must be a non-negative whole number")
        if self.noise_layers is not None and (
                not isinstance(self.noise_layers, list) or len(self.noise_layers) > 4096
                or not all(isinstance(x, bool) for x in self.noise_layers)):
            raise bad("per-layer noise switches must be a list of true/false")
        if self.mix_seed is not None and not (is_int(self.mix_seed) and 0 <= self.mix_seed <= MAX_SEED):
            raise bad("mixing seed must be a whole number from 0 to 4294967295")
        if self.mix_layers is not None and not is_range(self.mix_layers):
            raise bad("mixing layers must be [start, stop]")
        if (self.mix_seed is None) != (self.mix_layers is None):
            raise bad("mixing needs both a seed and a layer range")
        if not isinstance(self.directions, list) or len(self.directions) > MAX_DIRECTIONS:
            raise bad(f"directions must be a list of at most {MAX_DIRECTIONS} [k, amount] pairs")
        for d in self.directions:
            if not (isinstance(d, list) and len(d) == 2 and is_int(d[0]) and 0 <= d[0] < 4096
                    and is_num(d[1]) and abs(d[1]) <= 1000):
                raise bad("directions must be [k, amount] pairs")
        if self.direction_layers is not None and not is_range(self.direction_layers):
            raise bad("direction layers must be [start, stop]")
        if not is_int(self.pca_samples) or not 16 <= self.pca_samples <= MAX_PCA_SAMPLES:
            raise bad(f"PCA sample count must be from 16 to {MAX_PCA_SAMPLES}")
        if self.w is not None:
            if (not isinstance(self.w, str) or not isinstance(self.w_shape, list) or len(self.w_shape) != 2
                    or not all(is_int(x) and x > 0 for x in self.w_shape)):
                raise bad("w vector needs a text value and a [layers, size] shape")
            if math.prod(self.w_shape) > MAX_W_VALUES or len(self.w) > MAX_W_VALUES * 6:
                raise bad(f"w vector is larger than {MAX_W_VALUES} numbers")
            decode_w(self.w, self.w_shape)  # base64, length and finiteness
        if self.upscale not in UPSCALES:
            raise bad("upscale must be 1, 2 or 4")

    def with_w(self, ws: torch.Tensor) -> Recipe:
        """A copy carrying the final latent [1, num_ws, w_dim] (or [num_ws, w_dim])."""
        text, shape = encode_w(ws.reshape(ws.shape[-2], ws.shape[-1]))
        return dataclasses.replace(self, w=text, w_shape=shape)


class Renderer:
    """A frozen copy of a checkpoint's EMA generator that turns recipes into uint8 images.

    Thread-safe: one lock serialises renders (per-layer noise switches touch the snapshot briefly).
    """

    def __init__(self, generator: nn.Module, checkpoint: Path, state: dict, device: torch.device,
                 cache_dir: str | Path | None = None) -> None:
        self.G, self.checkpoint, self.state, self.device = generator, Path(checkpoint), state, device
        self._sha: str | None = None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._directions: dict[int, object] = {}
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: str | Path, device: torch.device | str = "cpu", cache_dir: str | Path | None = None
             ) -> Renderer:
        ckpt_path = checkpoint_for(path)
        device = torch.device(device)
        G, ckpt = load_generator(ckpt_path, device)
        return cls(G, ckpt_path, ckpt.state, device, cache_dir)

    @property
    def checkpoint_sha256(self) -> str:
        if self._sha is None:
            self._sha = file_sha256(self.checkpoint)
        return self._sha

    @property
    def is_style(self) -> bool:
        return self.state.get("model") == "style"

    @property
    def num_ws(self) -> int:
        return int(self.G.num_ws)

    @property
    def w_dim(self) -> int:
        return int(self.G.w_dim)

    @property
    def resolution(self) -> int:
        return int(self.G.resolution)

    @property
    def noise_layers(self) -> list[nn.Module]:
        """The synthesis layers that add noise (empty for DCGAN)."""
        return [m for m in self.G.modules() if hasattr(m, "noise_strength")]

    @property
    def w_avg(self) -> torch.Tensor:
        """The mean w [w_dim] (for DCGAN, where w = z, the mean of z: zero)."""
        avg = getattr(self.G, "w_avg", None)
        return avg.detach().clone() if avg is not None else torch.zeros(self.w_dim, device=self.device)

    def _c(self, class_index: int, n: int) -> torch.Tensor | None:
        if not getattr(self.G, "num_classes", 0):
            return None
        if not 0 <= class_index < self.G.num_classes:
            raise StudioError(f"Class {class_index} does not exist; this model has {self.G.num_classes}.")
        return torch.full((n,), class_index, dtype=torch.long, device=self.device)

    @torch.no_grad()
    def seed_ws(self, seeds: list[int], truncation: float = 1.0, class_index: int = 0) -> torch.Tensor:
        """Per-layer latents [N, num_ws, w_dim] of seeds."""
        z = torch.cat([z_from_seed(s, self.G.z_dim) for s in seeds]).to(self.device)
        return self.z_to_ws(z, truncation, class_index)

    @torch.no_grad()
    def z_to_ws(self, z: torch.Tensor, truncation: float = 1.0, class_index: int = 0) -> torch.Tensor:
        z = z.to(self.device).reshape(-1, self.G.z_dim)
        return self.G.mapping(z, self._c(class_index, z.shape[0]), truncation_psi=truncation)

    def directions(self, samples: int = 4096):
        """The principal directions of w for this checkpoint (computed once, then cached on disk)."""
        from studio.core.explore.directions import load_or_compute

        with self.lock:
            if samples not in self._directions:
                self._directions[samples] = load_or_compute(self, samples=samples, cache_dir=self.cache_dir)
            return self._directions[samples]

    @torch.no_grad()
    def ws(self, recipe: Recipe) -> torch.Tensor:
        """The final per-layer latents [1, num_ws, w_dim] of a recipe."""
        if recipe.w is not None:
            w = decode_w(recipe.w, recipe.w_shape or [])
            if tuple(w.shape) != (self.num_ws, self.w_dim):
                raise StudioError(f"The recipe's w has shape {list(w.shape)}; this model needs "
                                  f"[{self.num_ws}, {self.w_dim}]. Was it made with another checkpoint?")
            return w[None].to(self.device)
        if not recipe.seeds:
            raise StudioError("The recipe has no seeds.")
        ws = self.seed_ws(recipe.seeds, recipe.truncation, recipe.class_index)
        if recipe.weights is None:
            ws = ws[:1]
        else:
            from studio.core.explore.latents import blend

            ws = blend(ws, recipe.weights)
        if recipe.mix_seed is not None and recipe.mix_layers is not None:
            from studio.core.explore.mixing import mix_ws, require_style

            require_style(self)
            src = self.seed_ws([recipe.mix_seed], recipe.truncation, recipe.class_index)
            ws = mix_ws(ws, src, range(*recipe.mix_layers))
        if recipe.directions:
            from studio.core.explore.directions import move

            layers = range(*recipe.direction_layers) if recipe.direction_layers is not None else None
            ws = move(ws, self.directions(recipe.pca_samples), [(int(k), float(a)) for k, a in recipe.directions],
                      layers)
        return ws

    @contextmanager
    def _noise_switches(self, switches: list[bool] | None) -> Iterator[None]:
        layers = self.noise_layers
        if switches is None or all(switches) or not layers:
            yield
            return
        if len(switches) != len(layers):
            raise StudioError(f"The recipe switches noise on {len(switches)} layers; this model has {len(layers)}.")
        saved = [m.noise_strength.detach().clone() for m in layers]
        try:
            for m, on in zip(layers, switches, strict=True):
                if not on:
                    m.noise_strength.data.zero_()
            yield
        finally:
            for m, s in zip(layers, saved, strict=True):
                m.noise_strength.data.copy_(s)

    @torch.no_grad()
    def synthesize_tensor(self, ws: torch.Tensor, recipe: Recipe | None = None) -> torch.Tensor:
        """Images in [-1, 1] NCHW on the device."""
        recipe = recipe or Recipe()
        with self.lock, self._noise_switches(recipe.noise_layers):
            return self.G.synthesis(ws.to(self.device), noise_mode=recipe.noise_mode, noise_seed=recipe.noise_seed)

    @torch.no_grad()
    def synthesize(self, ws: torch.Tensor, recipe: Recipe | None = None) -> np.ndarray:
        """One image (the first of ws) as uint8 (H, W, 3)."""
        img = self.synthesize_tensor(ws[:1], recipe)
        return images_to_uint8(img)[0].permute(1, 2, 0).contiguous().cpu().numpy()

    def render(self, recipe: Recipe) -> np.ndarray:
        """The image of a recipe at native resolution, uint8 (H, W, 3)."""
        return self.synthesize(self.ws(recipe), recipe)

    def render_final(self, recipe: Recipe) -> np.ndarray:
        """The image as exported: native resolution times `recipe.upscale`."""
        from studio.core.export import upscale

        return upscale(self.render(recipe), recipe.upscale)

    def describe(self, recipe: Recipe, embed_w: bool = True) -> dict[str, str]:
        """PNG text chunks that let `studio regenerate` rebuild the image (the final w embedded)."""
        if embed_w and recipe.w is None:
            recipe = recipe.with_w(self.ws(recipe))
        return {
            "gan-studio:version": __version__,
            "gan-studio:checkpoint": str(self.checkpoint),
            "gan-studio:checkpoint-sha256": self.checkpoint_sha256,
            "gan-studio:model": str(self.state.get("model", "")),
            "gan-studio:recipe": json.dumps(recipe.to_json()),
        }

    def describe_grid(self, cells: list[Recipe | None], cols: int, gap: int = 2, upscale: int = 1,
                      kind: str = "grid") -> dict[str, str]:
        """Text chunks for a grid: every cell's recipe (None: a blank cell) and the layout."""
        grid = {
            "kind": kind, "cols": cols, "gap": gap, "upscale": upscale,
            # Cells keep their seeds (not w): a 1024-cell grid must stay well under the chunk caps.
            "cells": [None if c is None else c.to_json() for c in cells],
        }
        return {
            "gan-studio:version": __version__,
            "gan-studio:checkpoint": str(self.checkpoint),
            "gan-studio:checkpoint-sha256": self.checkpoint_sha256,
            "gan-studio:model": str(self.state.get("model", "")),
            "gan-studio:grid": json.dumps(grid),
        }
