"""Builds the latent atlas off the GUI thread (a job with its own frozen generator copy), with progress and cancel."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.ui.base.qimage import to_qimage
from studio.ui.base.jobs import JobControl

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


def build_atlas_shown(job: JobControl, checkpoint: str, seeds: list[int], truncation: float,
                      layout: str) -> AtlasShown:
    """Reports (pictures done, pictures) as it goes."""
    from studio.core.explore.atlas import GAP, Cancelled, atlas_poster, build_atlas
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.render import Renderer

    renderer = Renderer.open(checkpoint)
    feats = None
    if layout != "pca" or not renderer.is_style:
        feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
    try:
        atlas = build_atlas(renderer, seeds, truncation, layout, feats, progress=job.report, cancelled=job.cancelled)
    except Cancelled:
        raise StudioError("Atlas cancelled.") from None
    h, w = renderer.size
    thumb = min(max(h, w), OVERVIEW_THUMB)
    poster = atlas_poster(atlas, thumb=thumb)
    # The overview's thumbnails: the poster is cols × rows of them with GAP px between.
    size = ((poster.shape[1] - (atlas.cols - 1) * GAP) // atlas.cols,
            (poster.shape[0] - (atlas.rows - 1) * GAP) // atlas.rows)
    thumbs = tuple(to_qimage(im) for im in atlas.images) if max(h, w) > thumb else ()
    return AtlasShown(tuple(atlas.seeds), tuple((int(c), int(r)) for c, r in atlas.cells), atlas.cols, atlas.rows,
                      w, h, GAP, to_qimage(poster), size, thumbs, atlas.method, atlas.truncation)
