"""Rendering images from a frozen generator snapshot, described by a Recipe (seed(s), truncation...)."""

from __future__ import annotations

import dataclasses
import json
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


@dataclass
class Recipe:
    """Everything that pins down one image, given a checkpoint."""

    seeds: list[int] = field(default_factory=lambda: [0])
    weights: list[float] | None = None  # blend of the seeds' w (None: the first seed alone)
    truncation: float = 1.0
    class_index: int = 0
    noise_mode: str = "const"  # "const" | "random" | "none"
    noise_seed: int = 0

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Recipe:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class Renderer:
    """A frozen copy of a checkpoint's EMA generator that turns recipes into uint8 images."""

    def __init__(self, generator: nn.Module, checkpoint: Path, state: dict, device: torch.device) -> None:
        self.G, self.checkpoint, self.state, self.device = generator, Path(checkpoint), state, device
        self._sha: str | None = None

    @classmethod
    def open(cls, path: str | Path, device: torch.device | str = "cpu") -> Renderer:
        ckpt_path = checkpoint_for(path)
        device = torch.device(device)
        G, ckpt = load_generator(ckpt_path, device)
        return cls(G, ckpt_path, ckpt.state, device)

    @property
    def checkpoint_sha256(self) -> str:
        if self._sha is None:
            self._sha = file_sha256(self.checkpoint)
        return self._sha

    @property
    def is_style(self) -> bool:
        return self.state.get("model") == "style"

    def _c(self, recipe: Recipe, n: int) -> torch.Tensor | None:
        if not getattr(self.G, "num_classes", 0):
            return None
        if not 0 <= recipe.class_index < self.G.num_classes:
            raise StudioError(f"Class {recipe.class_index} does not exist; this model has {self.G.num_classes}.")
        return torch.full((n,), recipe.class_index, dtype=torch.long, device=self.device)

    @torch.no_grad()
    def ws(self, recipe: Recipe) -> torch.Tensor:
        """The per-layer latents [1, num_ws, w_dim] of a recipe."""
        z = torch.cat([z_from_seed(s, self.G.z_dim) for s in recipe.seeds]).to(self.device)
        ws = self.G.mapping(z, self._c(recipe, len(recipe.seeds)), truncation_psi=recipe.truncation)
        if recipe.weights is None:
            return ws[:1]
        w = torch.tensor(recipe.weights, dtype=ws.dtype, device=self.device)
        if w.shape[0] != ws.shape[0] or float(w.sum()) <= 0:
            raise StudioError("Blend weights must be one positive number per seed.")
        return (ws * (w / w.sum())[:, None, None]).sum(0, keepdim=True)

    @torch.no_grad()
    def synthesize(self, ws: torch.Tensor, recipe: Recipe | None = None) -> np.ndarray:
        recipe = recipe or Recipe()
        img = self.G.synthesis(ws.to(self.device), noise_mode=recipe.noise_mode, noise_seed=recipe.noise_seed)
        return images_to_uint8(img)[0].permute(1, 2, 0).cpu().numpy()

    def render(self, recipe: Recipe) -> np.ndarray:
        return self.synthesize(self.ws(recipe), recipe)

    def describe(self, recipe: Recipe) -> dict[str, str]:
        """PNG text chunks that let `studio regenerate` rebuild the image."""
        return {
            "gan-studio:version": __version__,
            "gan-studio:checkpoint": str(self.checkpoint),
            "gan-studio:checkpoint-sha256": self.checkpoint_sha256,
            "gan-studio:recipe": json.dumps(recipe.to_json()),
        }
