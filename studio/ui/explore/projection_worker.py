"""Projects a picture into the latent space off the GUI thread (its own frozen generator copy), cancellable."""

from __future__ import annotations

import sys
import traceback

from PySide6.QtCore import QObject, Signal

from studio.core.errors import StudioError
from studio.ui.base.threads import StudioThread


class ProjectionWorker(StudioThread):
    progress = Signal(int, int, float)  # step, steps, loss
    done = Signal(object, str)  # Recipe with the projected w embedded; how the picture was fitted ('' if not)
    failed = Signal(str)

    def __init__(self, checkpoint: str, picture: str, steps: int = 300, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkpoint, self.picture, self.steps = checkpoint, picture, steps

    def run(self) -> None:
        from studio.core.explore.features import FeatureSpace, load_discriminator
        from studio.core.explore.projection import project
        from studio.core.images import fit_note, load_picture
        from studio.core.explore.render import Renderer

        try:
            target = load_picture(self.picture)
            renderer = Renderer.open(self.checkpoint)
            feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
            result = project(renderer, target, self.steps, features=feats,
                             progress=lambda i, n, loss: self.progress.emit(i, n, loss),
                             cancel=self.isInterruptionRequested)
            if result.cancelled:
                self.failed.emit("Projection cancelled.")
            else:
                self.done.emit(result.recipe(), fit_note(target.shape[1], target.shape[0], renderer.size))
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: loud on stderr, a sentence in the tab
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Projection failed: {type(e).__name__}: {e}")
