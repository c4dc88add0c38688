"""Builds the latent atlas off the GUI thread (its own frozen generator copy), with progress and cancel."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.ui.base.qimage import to_qimage
from studio.ui.base.threads import StudioThread

OVERVIEW_THUMB = 64  # pixel long side of a thumbnail in the zoomed-out mosaic


@dataclass(frozen=True)
class AtlasShown:
    """The atlas as the view draws it: one mosaic for the overview, full thumbnails for close-ups."""

    seeds: tuple[int, ...]
    cells: tuple[tuple[int, int], ...]  # (column, row) of each seed
    cols: int
    rows: int
    width: int  # native size of a thumbnail: the checkpoint's picture (24×16 for a 3:2 run)
    height: int
    gap: int
    overview: QImage  # the whole grid with thumbnails of `overview_size`, `gap` px between them
    overview_size: tuple[int, int]  # (width, height) of a thumbnail in the overview, the picture's shape kept
    thumbs: tuple[QImage, ...]  # native thumbnails; empty when the overview is already native
    method: str
    truncation: float

    @property
    def pitch(self) -> tuple[int, int]:
        """(x, y) distance between neighbouring native thumbnails in the scene."""
        return self.width + self.gap, self.height + self.gap


class AtlasWorker(StudioThread):
    progress = Signal(int, int)
    done = Signal(object)  # AtlasShown
    failed = Signal(str)

    def __init__(self, checkpoint: str, seeds: list[int], truncation: float, layout: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkpoint, self.seeds, self.truncation, self.layout = checkpoint, seeds, truncation, layout

    def run(self) -> None:
        from studio.core.explore.atlas import GAP, Cancelled, atlas_poster, build_atlas
        from studio.core.explore.features import FeatureSpace, load_discriminator
        from studio.core.explore.render import Renderer

        try:
            renderer = Renderer.open(self.checkpoint)
            feats = None
            if self.layout != "pca" or not renderer.is_style:
                feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
            atlas = build_atlas(renderer, self.seeds, self.truncation, self.layout, feats,
                                progress=lambda i, n: self.progress.emit(i, n),
                                cancelled=self.isInterruptionRequested)
            h, w = renderer.size
            thumb = min(max(h, w), OVERVIEW_THUMB)
            poster = atlas_poster(atlas, thumb=thumb)
            # The overview's thumbnails: the poster is cols × rows of them with GAP px between.
            size = ((poster.shape[1] - (atlas.cols - 1) * GAP) // atlas.cols,
                    (poster.shape[0] - (atlas.rows - 1) * GAP) // atlas.rows)
            thumbs = tuple(to_qimage(im) for im in atlas.images) if max(h, w) > thumb else ()
            self.done.emit(AtlasShown(tuple(atlas.seeds), tuple((int(c), int(r)) for c, r in atlas.cells),
                                      atlas.cols, atlas.rows, w, h, GAP, to_qimage(poster), size, thumbs,
                                      atlas.method, atlas.truncation))
        except Cancelled:
            self.failed.emit("Atlas cancelled.")
        except StudioError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: loud on stderr, a sentence in the tab
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"The atlas failed: {type(e).__name__}: {e}")
