"""Rendering images from a frozen generator snapshot, described by a Recipe (seed(s), truncation...)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from studio.core.alpha import EDGES, Enlarge, finish
from studio.core.data.settings import parse_color
from studio.core.errors import StudioError
from studio.core.explore.directions import load_or_compute, move
from studio.core.explore.latents import blend, z_from_seed
from studio.core.explore.loading import load_generator
from studio.core.explore.mixing import mix_ws, require_style
from studio.core.formats.checkpoint import file_sha256
from studio.core.formats.checkpoint_state import CheckpointState
from studio.core.formats.png_recipe import GridLayout, text_chunks
from studio.core.formats.recipe import Recipe, decode_w_array
from studio.core.formats.run import RunDir, checkpoint_for
from studio.core.images import images_to_uint8, upscale
from studio.core.models.registry import architecture
from studio.core.formats.upscale_record import LANCZOS, LEARNED, UpscaleRecord
from studio.core.upscale.learned import Upscale, choose_upscale


def decode_w(text: str, shape: list[int]) -> torch.Tensor:
    """A recipe's embedded latent as a float32 tensor [num_ws, w_dim] (checked by `decode_w_array`)."""
    return torch.from_numpy(decode_w_array(text, shape))


class Renderer:
    """A frozen copy of a checkpoint's EMA generator that turns recipes into uint8 images.

    Thread-safe: one lock serialises renders (per-layer noise switches touch the snapshot briefly).
    """

    def __init__(self, generator: nn.Module, checkpoint: Path, state: CheckpointState, device: torch.device,
                 cache_dir: str | Path | None = None) -> None:
        self.G, self.checkpoint, self.state, self.device = generator, Path(checkpoint), state, device
        self._sha: str | None = None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._directions: dict[int, object] = {}
        self._upscales: dict[tuple[int, str], Upscale] = {}  # learned upscales by (scale, file SHA-256)
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
        return architecture(self.state.model).per_layer_w

    @property
    def num_ws(self) -> int:
        return int(self.G.num_ws)

    @property
    def w_dim(self) -> int:
        return int(self.G.w_dim)

    @property
    def resolution(self) -> int:
        """The networks' scale (core/shape.py): a square picture's side."""
        return int(self.G.resolution)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the pictures this generator makes."""
        return tuple(int(v) for v in self.G.size_at(self.G.resolution))

    @property
    def canvas(self) -> str:
        """'24x16': width x height, as the PNG records it."""
        h, w = self.size
        return f"{w}x{h}"

    @property
    def enlarge(self) -> int:
        """How many times the run's pictures are enlarged from the generator's (its `enlarge`: 2 for a CPU's
        128 px run, core/training/suggest.cpu_enlarge); the exports' size to start from."""
        value = self.state.config.get("enlarge", 1)
        return value if value in (1, 2, 4) else 1

    @property
    def background(self) -> tuple[int, int, int]:
        """The colour training laid transparent pictures on (the run's `background`), which a transparent
        export takes back out (core/alpha.py)."""
        try:
            return parse_color(self.state.config.get("background", "#ffffff"))
        except (StudioError, TypeError, ValueError):
            return (255, 255, 255)

    @property
    def noise_layers(self) -> list[nn.Module]:
        """The synthesis layers that add noise (none for a model without noise inputs, registry.py)."""
        if not architecture(self.state.model).noise:
            return []
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
        with self.lock:
            if samples not in self._directions:
                self._directions[samples] = load_or_compute(self, samples=samples, cache_dir=self.cache_dir)
            return self._directions[samples]

    @torch.no_grad()
    def ws(self, recipe: Recipe) -> torch.Tensor:
        """The final per-layer latents [1, num_ws, w_dim] of a recipe."""
        if recipe.w is not None:
            return self._given_w(recipe.w, recipe.w_shape)
        if recipe.start_w is not None:  # a latent from elsewhere, which the directions move
            ws = self._given_w(recipe.start_w, recipe.start_w_shape)
        elif not recipe.seeds:
            raise StudioError("The recipe has no seeds.")
        else:
            ws = self.seed_ws(recipe.seeds, recipe.truncation, recipe.class_index)
            ws = ws[:1] if recipe.weights is None else blend(ws, recipe.weights)
        if recipe.start_w is None and recipe.mix_seed is not None and recipe.mix_layers is not None:
            require_style(self)
            src = self.seed_ws([recipe.mix_seed], recipe.truncation, recipe.class_index)
            ws = mix_ws(ws, src, range(*recipe.mix_layers))
        if recipe.directions:
            layers = range(*recipe.direction_layers) if recipe.direction_layers is not None else None
            ws = move(ws, self.directions(recipe.pca_samples), [(int(k), float(a)) for k, a in recipe.directions],
                      layers)
        return ws

    def _given_w(self, text: str, shape: list[int] | None) -> torch.Tensor:
        w = decode_w(text, shape or [])
        if tuple(w.shape) != (self.num_ws, self.w_dim):
            raise StudioError(f"The recipe's w has shape {list(w.shape)}; this model needs "
                              f"[{self.num_ws}, {self.w_dim}]. Was it made with another checkpoint?")
        return w[None].to(self.device)

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
        """The image as exported: native resolution times `recipe.upscale` (Lanczos, or the learned upscale
        the recipe names), RGBA when `recipe.transparent` (the background taken out around the subject or
        everywhere: core/alpha.py)."""
        return finish(self.render(recipe), recipe.upscale, recipe.transparent, self.background,
                      recipe.transparent_region, self.enlarger(recipe.upscale, recipe.upscale_record))

    @property
    def run_folder(self) -> Path | None:
        """The run the checkpoint lies in (where its learned upscale lives); None for a loose file."""
        run = RunDir.of_checkpoint(self.checkpoint)
        return run.path if run is not None else None

    def choose_upscale(self, scale: int, wish: str = "auto") -> Upscale:
        """The upscale an export at ×scale gets: the run's learned one where it has one (`wish` "auto"),
        Lanczos, or the learned one or a sentence naming the command that trains it ("learned")."""
        with self.lock:
            up = choose_upscale(self.run_folder, scale, wish, self.device)
            if up.sha256 is not None:
                self._upscales[(scale, up.sha256)] = up
            return up

    def enlarger(self, scale: int, record: UpscaleRecord) -> Enlarge:
        """How a recipe's picture is enlarged: Lanczos, or the learned upscale whose file the record names
        (a sentence when the run's file is not that one any more)."""
        if scale == 1 or record.upscaler == LANCZOS:
            return upscale
        with self.lock:
            key = (scale, record.sha256)
            if key not in self._upscales:
                self._upscales[key] = choose_upscale(self.run_folder, scale, LEARNED, self.device,
                                                     sha256=record.sha256)
            return self._upscales[key]

    def describe(self, recipe: Recipe, embed_w: bool = True) -> dict[str, str]:
        """PNG text chunks that let `studio regenerate` rebuild the image (the final w embedded)."""
        if embed_w and recipe.w is None:
            recipe = recipe.with_w(self.ws(recipe))
        return text_chunks(self.checkpoint, self.checkpoint_sha256, self.state.model, self.canvas, recipe=recipe)

    def describe_grid(self, cells: list[Recipe | None], cols: int, gap: int = 2, upscale: int = 1,
                      kind: str = "grid", transparent: bool = False, transparent_region: str = EDGES,
                      upscaler: UpscaleRecord | None = None) -> dict[str, str]:
        """Text chunks for a grid: every cell's recipe (None: a blank cell), the layout and the upscale."""
        grid = GridLayout(kind, cols, gap, upscale, list(cells), transparent, transparent_region,
                          upscaler or UpscaleRecord())
        return text_chunks(self.checkpoint, self.checkpoint_sha256, self.state.model, self.canvas, grid=grid)
