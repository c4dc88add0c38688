"""Generator/discriminator architectures: `ModelSpec`, what a checkpoint says to rebuild a pair, and
`build_models`, which builds it through the model registry (registry.py). Torch-free at import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.core.shape import CanvasShape

if TYPE_CHECKING:
    import torch.nn as nn


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a model pair from a checkpoint (stored in its metadata)."""

    name: str = "dcgan"
    resolution: int = 64
    z_dim: int = 128
    num_classes: int = 0
    width: int = 64  # dcgan: ngf/ndf; style: the widest layer's channel count
    d_norm: bool = True  # dcgan D BatchNorm (off for WGAN-GP, whose penalty is per-sample)
    progressive: bool = False  # built to grow from 8 px (extra RGB heads/inputs; see models/progressive.py)
    # The starting block (width, height) the networks double: 4×4 for a square, 6×4 for 3:2 (core/shape.py).
    # `resolution` is the networks' scale: pictures are block × resolution / 4 (for a square, resolution).
    block_w: int = 4
    block_h: int = 4

    @property
    def block(self) -> tuple[int, int]:
        """(height, width) of the starting block, as torch orders sizes."""
        return (self.block_h, self.block_w)

    @property
    def canvas(self) -> CanvasShape:
        """The pictures' shape in pixels."""
        return CanvasShape.of_model(self.resolution, self.block_w, self.block_h)


def build_models(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    """Return (generator, discriminator) for `spec`: its model's builder (registry.py)."""
    from studio.core.models.registry import architecture

    return architecture(spec.name).build(spec)
