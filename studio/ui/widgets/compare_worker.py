"""Renders the same seeds from several checkpoints off the GUI thread (a job), for the snapshot comparison."""

from __future__ import annotations

import numpy as np

from studio.ui.base.jobs import JobControl
from studio.ui.base.qimage import tile, to_qimage


def render_checkpoints(job: JobControl, checkpoints: list[str], seeds: list[int], truncation: float = 1.0) -> None:
    """Reports (index of the checkpoint in `checkpoints`, QImage grid of its seeds) for each in turn."""
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.images import grid_columns

    for i, path in enumerate(checkpoints):
        if job.cancelled():
            return
        renderer = Renderer.open(path, "cpu")
        images = np.stack([renderer.render(Recipe(seeds=[s], truncation=truncation)) for s in seeds])
        columns = grid_columns(len(images), *images.shape[1:3])  # laid out for the pictures' shape
        job.report(i, to_qimage(tile(images, columns)))
