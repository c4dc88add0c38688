"""Inpaints a picture off the GUI thread (its own frozen generator copy), with progress and cancel."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.core.explore.inpaint import InpaintSettings
from studio.core.explore.render import Recipe
from studio.ui.base.qimage import to_qimage
from studio.ui.base.threads import StudioThread


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


class InpaintWorker(StudioThread):
    progress = Signal(int, int, float)  # step, steps, loss on the known pixels
    done = Signal(object)  # InpaintOutcome
    failed = Signal(str)

    def __init__(self, checkpoint: str, picture: str, mask: np.ndarray, settings: InpaintSettings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkpoint, self.picture, self.mask, self.settings = checkpoint, picture, mask, settings

    def run(self) -> None:
        from studio.core.explore.features import FeatureSpace, load_discriminator
        from studio.core.explore.inpaint import inpaint, load_source, prepare_mask
        from studio.core.explore.render import Renderer
        from studio.core.images import fit_note

        try:
            source = load_source(self.picture)
            renderer = Renderer.open(self.checkpoint)
            hole = prepare_mask(self.mask, source.image.shape, renderer.size)
            feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
            result = inpaint(renderer, source.image, hole, self.settings, feats,
                             progress=lambda i, n, loss: self.progress.emit(i, n, loss),
                             cancel=self.isInterruptionRequested)
            if result.cancelled:
                self.failed.emit("Inpainting cancelled.")
                return
            image, meta = result.artwork(renderer, source)
            self.done.emit(InpaintOutcome(to_qimage(result.target), to_qimage(result.generated), to_qimage(image),
                                          image, meta, result.recipe(), result.losses[0], result.losses[-1],
                                          int(hole.sum()), fit_note(source.image.shape[1], source.image.shape[0],
                                                                    renderer.size)))
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: loud on stderr, a sentence in the tab
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Inpainting failed: {type(e).__name__}: {e}")
