"""The models, one `Architecture` each: the only place a model is described.

An entry says everything the rest of the studio needs to know about a model: its name and labels, where its
builder lives, what exploring can do with it (a w per layer, noise inputs), whether it can grow, the recipe's
defaults for it (learning rate, betas, R1, EMA, latent size, width), how fast it trains on a typical machine
and when its samples become recognisable. `config.resolve`/`validate`, `suggest`, `build_models`, checkpoint
reading, the window's model list, the Explore tab's tools and `studio train --model` all read `ARCHITECTURES`
(name -> entry, in the order lists show them).
Adding a model is one module under core/models (with a `build(spec) -> (G, D)`) and one entry below.

Torch-free (`studio --help` lists the models without loading it): the builder is named as "module:function"
and imported the first time a model is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch.nn as nn

Device = Literal["cpu", "gpu"]  # "gpu": CUDA or MPS


@dataclass(frozen=True)
class Architecture:
    name: str  # what configs, checkpoints and `--model` say; never renamed
    label: str  # what messages call it ("the Quick style-based model")
    choice: str  # its entry in the window's model list
    help: str  # one sentence for tooltips and `--help`
    builder: str  # "module:function" that builds (generator, discriminator) from a ModelSpec
    per_layer_w: bool  # a w per layer (mapping, style mixing, layer ranges, w-space projection); else w = z, one layer
    noise: bool  # per-layer noise inputs that the Explore tab's Noise tool switches
    grows: bool  # can grow progressively (training/progressive.py)
    lr: float  # both networks' learning rate when the run sets none
    betas: tuple[float, float]  # Adam's, unless the loss (LossSpec.betas) or the run sets them
    r1_heuristic: bool  # a loss whose R1 is "auto" gets StyleGAN2-ADA's γ heuristic (else 0 unless set)
    z_dim: Callable[[float, bool], int]  # (side of the canvas's area, on a GPU) -> latent size
    width: Callable[[float, bool], int]  # (side, on a GPU) -> network width (the speed cache keys by it)
    typical_speed: Mapping[Device, Mapping[int, float]]  # images/s by resolution before this machine measured
    recognisable_kimg: Mapping[int, float]  # kimg to recognisable samples, by resolution measured (suggest.py)
    ema_kimg: float = 10.0  # the EMA's half-life when the run sets none
    suggested_on: tuple[Device, ...] = ()  # the devices on which `model="auto"` picks it (suggest.default_model)

    def build(self, spec) -> tuple[nn.Module, nn.Module]:
        """(generator, discriminator) for `spec`, a core.models.ModelSpec (not imported here: the package
        imports this registry)."""
        module, _, function = self.builder.partition(":")
        return getattr(importlib.import_module(module), function)(spec)


# ------------------------------------------------------------------ the recipe's rules per model
def _quick_width(side: float, gpu: bool) -> int:
    # On a CPU narrow wins short runs: at 32 px width 32 trains ~2.5x the images per second of width 64
    # and scored better in the same minutes; above 32 px width 16 trains ~2.5x the images of width 32
    # and scored better at 64 px on both emoji folders (bench/RESULTS.md, "Fifth sitting").
    return 64 if gpu or side > 64 else 32 if side <= 32 else 16


def _style_width(side: float, gpu: bool) -> int:
    # On a CPU a narrow network is what trains to something visible within minutes.
    # Width 32 trains 2.5x the images per CPU-second of width 64.
    return (256 if side <= 128 else 512) if gpu else (32 if side <= 64 else 64)


def _style_z(side: float, gpu: bool) -> int:
    return 256 if side <= 64 or not gpu else 512


# Speeds (images/s of one training process, 2 CPU threads / a mid-range GPU) are what the window shows until
# it measured this machine (core.speed_probe). At 64 px the quick models are width 16 on a CPU: ~200 images
# per CPU-second on one thread.
QUICK_GPU_SPEED = {32: 4000.0, 64: 2000.0, 128: 800.0, 256: 250.0, 512: 60.0}

# Recognisable points: kimg at which KID is at or below the textbook DCGAN's 10-minute KID on the same folder,
# measured at 32 px on twemoji and openmoji (bench/RESULTS.md, "Minutes to recognisable"); resolutions not
# measured scale with the side (suggest.recognisable_kimg).
ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in (
    Architecture(
        "dcgan", "Quick", "Quick (DCGAN)",
        "a small DCGAN, fast on a CPU",
        "studio.core.models.dcgan:build", per_layer_w=False, noise=False, grows=True,
        # 1e-3, five times the DCGAN paper's 2e-4: in the minutes of a CPU run it more than halved KID on
        # twemoji and openmoji (bench/RESULTS.md, "Recipes, screening"); 2e-4 is `--lr-g 2e-4 --lr-d 2e-4`.
        lr=1e-3, betas=(0.5, 0.999), r1_heuristic=False, z_dim=lambda side, gpu: 100, width=_quick_width,
        typical_speed={"cpu": {32: 200.0, 64: 150.0, 128: 15.0}, "gpu": QUICK_GPU_SPEED},
        # The CPU recipe (no augmentation, lr 1e-3) by bench/recognisable.py, checkpoints every 6 kimg: 18 and
        # 24 kimg, the larger kept.
        recognisable_kimg={32: 24.0},
    ),
    Architecture(
        "quickstyle", "Quick style-based", "Quick style-based (mixing on a CPU)",
        "as fast as Quick, with a style per layer, so Explore can mix styles and vary noise",
        "studio.core.models.quickstyle:build", per_layer_w=True, noise=True, grows=False,
        lr=1e-3, betas=(0.5, 0.999), r1_heuristic=False, z_dim=lambda side, gpu: 100, width=_quick_width,
        typical_speed={"cpu": {32: 200.0, 64: 150.0, 128: 15.0}, "gpu": QUICK_GPU_SPEED},  # the DCGAN's backbone
        # Fifth sitting: at 32 px by bench/recognisable.py, checkpoints every 6 kimg, 12 kimg on twemoji and 18 on
        # openmoji; at 64 px (width 16) from the checkpoints of its 10-minute matrix cells, every 8 kimg, against
        # the textbook's 10-minute KID at 32 px (at 64 px the textbook draws blobs, too low a bar): 16 kimg on
        # twemoji, 40 on openmoji. The larger kept; re-measured with ADA (seventh sitting, every 4 kimg): 28 and
        # 36 kimg, within a checkpoint.
        recognisable_kimg={32: 18.0, 64: 40.0},
        # It met the goal (KID at most half the textbook's) in every 32 px cell of the quality matrix, the demo
        # set included, where the Quick DCGAN missed it (bench/RESULTS.md, "Fifth sitting"). On a GPU too
        # (issue 25): at equal images shown, width 32, the GPU's batch, it beat the style model at every mark
        # on twemoji and openmoji from 50 kimg on, while the style model drew one shape for every seed
        # (bench/RESULTS.md, "KID against images shown"; bench/kimg_curve.py).
        suggested_on=("cpu", "gpu"),
    ),
    Architecture(
        "style", "Style-based", "Style-based (StyleGAN2-like)",
        "StyleGAN2-like (modulated convolutions); slower, and measured behind Quick style-based so far",
        "studio.core.models.style:build", per_layer_w=True, noise=True, grows=True,
        lr=2e-3, betas=(0.0, 0.99), r1_heuristic=True, z_dim=_style_z, width=_style_width,
        typical_speed={"cpu": {32: 100.0, 64: 40.0, 128: 12.0},
                       "gpu": {32: 2000.0, 64: 1200.0, 128: 500.0, 256: 150.0, 512: 40.0}},
        recognisable_kimg={32: 35.0},  # from its 5-minute points (33 and 24 kimg: upper bounds)
        # Not suggested anywhere since issue 25: at width 32 and the GPU's batch it drew one shape for every seed
        # on both emoji folders at 25-100 kimg (bench/RESULTS.md, "KID against images shown").
    ),
)}


def architecture(name: str) -> Architecture:
    """The entry of the model `name`; StudioError naming the choices if there is none."""
    try:
        return ARCHITECTURES[name]
    except (KeyError, TypeError):
        raise StudioError(f"Unknown model '{name}': choose one of {', '.join(ARCHITECTURES)}.") from None
