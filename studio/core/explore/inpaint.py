"""Inpainting: fit a latent to the known pixels of a picture, fill the hole from the generator, feather the seam.

Everything happens at the model's resolution (the picture is centre-cropped and resized as projection
does). The latent is w for the style model and z for DCGAN (z-projection, kept on the sphere of typical
Gaussian samples). The exported PNG carries the final w as its recipe (so `studio regenerate` and
drag-and-drop reproduce the generated image) and a `gan-studio:inpaint` chunk with the source's SHA-256,
the hole mask and the feather, so that the composite itself can be rebuilt from the source picture.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.explore.features import FeatureSpace, to_float
from studio.core.formats.inpaint_record import (  # noqa: F401 (inpainting's API for the CLI and the window)
    INPAINT_KEY,
    MAX_FEATHER,
    InpaintRecord,
    InpaintSettings,
    SourcePicture,
    composite,
    encode_mask,
    feathered_mask,
    load_mask,
    load_source,
    prepare_mask,
)
from studio.core.explore.latents import z_from_seed
from studio.core.explore.render import Renderer
from studio.core.formats.recipe import Recipe
from studio.core.images import prepare_target

ProgressFn = Callable[[int, int, float], None]  # (step, steps, loss on the known pixels)


@dataclass
class Inpainting:
    """The result: the latent, the generator's image, the composite, the losses on the known pixels."""

    ws: torch.Tensor  # [1, num_ws, w_dim]
    target: np.ndarray  # the picture at the model's resolution, uint8 (res, res, 3)
    hole: np.ndarray  # bool (res, res)
    alpha: np.ndarray  # float32 (res, res): the feathered blend weight of `generated`
    generated: np.ndarray  # uint8 (res, res, 3)
    composite: np.ndarray  # uint8 (res, res, 3)
    settings: InpaintSettings
    losses: list[float] = field(default_factory=list)  # total (pixel + perceptual) on the known pixels
    pixel_losses: list[float] = field(default_factory=list)  # mean squared error on the known pixels
    steps: int = 0
    cancelled: bool = False

    def recipe(self) -> Recipe:
        """A recipe whose embedded w reproduces `generated` exactly; seeds/truncation say where it started."""
        return Recipe(seeds=[self.settings.seed], truncation=self.settings.start_truncation).with_w(self.ws)

    def record(self, source: SourcePicture) -> InpaintRecord:
        h, w = self.hole.shape
        return InpaintRecord(source.name, source.sha256, source.path, int(h), encode_mask(self.hole),
                             asdict(self.settings), self.losses[-1] if self.losses else None, 0 if w == h else int(w))

    def artwork(self, renderer: Renderer, source: SourcePicture) -> tuple[np.ndarray, dict[str, str]]:
        """The composite and the PNG text chunks that describe it (recipe + inpainting record)."""
        meta = renderer.describe(self.recipe())
        meta[INPAINT_KEY] = json.dumps(self.record(source).to_json())
        return self.composite, meta


def inpaint(renderer: Renderer, picture: np.ndarray, hole: np.ndarray, settings: InpaintSettings | None = None,
            features: FeatureSpace | None = None, progress: ProgressFn | None = None,
            cancel: Callable[[], bool] | None = None) -> Inpainting:
    """Fit a latent to the pixels outside `hole` (bool at the model's resolution), then fill and blend.

    Loss: mean squared error over the known pixels plus the discriminator-feature distance of the two
    pictures with the hole greyed out in both (so the hole itself never pulls). `cancel()` is checked
    every step; a cancelled run still returns its best-so-far latent with `cancelled` set.
    """
    settings = settings or InpaintSettings()
    settings.validate()
    h, w = renderer.size
    hole = np.asarray(hole, dtype=bool)
    if hole.shape != (h, w):
        raise StudioError(f"The hole mask is {hole.shape[1]}×{hole.shape[0]}; this model needs {w}×{h}.")
    if not hole.any():
        raise StudioError("The mask is empty: paint (white) over the part of the picture to fill.")
    if hole.all():
        raise StudioError("The mask covers the whole picture; leave some of it unpainted for the studio to match.")
    G, dev = renderer.G, renderer.device
    target = prepare_target(picture, (h, w))
    tgt = to_float(target, dev)
    known = torch.from_numpy(~hole).to(dev, torch.float32)[None, None]
    n_known = float(known.sum()) * tgt.shape[1]
    feats = features or FeatureSpace(None, "pixels", dev)
    tgt_acts = feats.target_activations(tgt * known)
    z0 = z_from_seed(settings.seed, G.z_dim).to(dev)
    if renderer.is_style:
        # w, not z: the mapping network's w space is where StyleGAN's projector finds faithful latents.
        start = renderer.z_to_ws(z0, settings.start_truncation)[:, :1]
        param = start.repeat(1, renderer.num_ws, 1) if settings.w_plus else start
        param = param.clone().requires_grad_(True)

        def to_ws(p: torch.Tensor) -> torch.Tensor:
            return p if settings.w_plus else p.repeat(1, renderer.num_ws, 1)
    else:
        # DCGAN has no w: optimise z and keep it on the sphere where Gaussian samples live (|z| = sqrt(dim)),
        # else the fill drifts to latents the generator never saw.
        radius = math.sqrt(G.z_dim)
        param = (z0 * settings.start_truncation).clone().requires_grad_(True)
        c = renderer._c(0, 1)

        def to_ws(p: torch.Tensor) -> torch.Tensor:
            return G.mapping(p, c, truncation_psi=1.0)

    opt = torch.optim.Adam([param], lr=settings.lr, betas=(0.9, 0.999))
    losses: list[float] = []
    pixel_losses: list[float] = []
    cancelled = False
    step = 0
    with torch.enable_grad():
        for step in range(1, settings.steps + 1):
            if cancel is not None and cancel():
                cancelled = True
                step -= 1
                break
            t = step / settings.steps
            ramp = 0.5 - 0.5 * math.cos(min(1.0, (1 - t) / 0.25) * math.pi)
            for g in opt.param_groups:  # cosine ramp-down, as StyleGAN's projector
                g["lr"] = settings.lr * max(ramp * min(1.0, t / 0.05), 0.02)
            img = G.synthesis(to_ws(param), noise_mode="const")
            pixel = ((img - tgt).square() * known).sum() / n_known
            loss = pixel + settings.perceptual_weight * feats.perceptual_loss(img * known, tgt_acts)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if not renderer.is_style:
                with torch.no_grad():
                    param.mul_(radius / param.norm(dim=-1, keepdim=True).clamp_min(1e-8))
            losses.append(float(loss.detach()))
            pixel_losses.append(float(pixel.detach()))
            if progress is not None:
                progress(step, settings.steps, losses[-1])
    with torch.no_grad():
        ws = to_ws(param).detach().to(torch.float32).clone()
    # Rendered exactly as a recipe with this w is (batch of one, const noise): regeneration is bit-exact.
    generated = renderer.synthesize(ws, Recipe())
    alpha = feathered_mask(hole, settings.feather)
    return Inpainting(ws, target, hole, alpha, generated, composite(target, generated, alpha), settings, losses,
                      pixel_losses, step, cancelled)


def known_pixel_error(renderer: Renderer, ws: torch.Tensor, target: np.ndarray, hole: np.ndarray) -> float:
    """Mean squared error ([-1, 1] scale) of a latent's image on the known pixels (for checks and tests)."""
    img = renderer.synthesize_tensor(ws, Recipe())
    tgt = to_float(target, renderer.device)
    known = torch.from_numpy(~np.asarray(hole, bool)).to(renderer.device, torch.float32)[None, None]
    return float(((img - tgt).square() * known).sum() / (known.sum() * tgt.shape[1]))
