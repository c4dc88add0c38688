"""Inpaints a picture off the GUI thread (a job with its own frozen generator copy), with progress and cancel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.core.explore.inpaint import InpaintSettings
from studio.core.explore.render import Recipe
from studio.ui.base.qimage import to_qimage
from studio.ui.base.jobs import JobControl


@dataclass(frozen=True)
class InpaintOutcome:
    """What the Inpaint panel shows and saves: before/after pictures, the PNG's pixels and text chunks."""

    before: QImage  # the picture at the model's resolution
    generated: QImage  # the generator's whole image (what the recipe regenerates)
    after: QImage  # the composite
    composite: np.ndarray  # uint8 pixels to save
    meta: dict  # PNG text chunks: recipe (w embedded) + the inpainting record
    recipe: Recipe
    first_loss: float
    last_loss: float
    filled: int  # pixels of the hole at the model's resolution
    note: str = ""  # how the picture was fitted to the model's shape ('' when it had that shape)


def inpaint_picture(job: JobControl, checkpoint: str, picture: str, mask: np.ndarray,
                    settings: InpaintSettings) -> InpaintOutcome:
    """Reports (step, steps, loss on the known pixels) as it goes."""
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.inpaint import inpaint, load_source, prepare_mask
    from studio.core.explore.render import Renderer
    from studio.core.images import fit_note

    source = load_source(picture)
    renderer = Renderer.open(checkpoint)
    hole = prepare_mask(mask, source.image.shape, renderer.size)
    feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
    result = inpaint(renderer, source.image, hole, settings, feats, progress=job.report, cancel=job.cancelled)
    if result.cancelled:
        raise StudioError("Inpainting cancelled.")
    image, meta = result.artwork(renderer, source)
    return InpaintOutcome(to_qimage(result.target), to_qimage(result.generated), to_qimage(image), image, meta,
                          result.recipe(), result.losses[0], result.losses[-1], int(hole.sum()),
                          fit_note(source.image.shape[1], source.image.shape[0], renderer.size))
