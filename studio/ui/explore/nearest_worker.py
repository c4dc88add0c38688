"""Finds the training images nearest to a recipe's image off the GUI thread (a job: indexing can take
seconds), so the canvas keeps rendering meanwhile."""

from __future__ import annotations

from studio.core.explore.render import Recipe
from studio.ui.explore.render_worker import NearestMatch, NearestResult
from studio.ui.base.jobs import JobControl
from studio.ui.base.qimage import to_qimage


def find_nearest(job: JobControl, checkpoint: str, recipe: Recipe, cache_dir: str | None, k: int = 8) -> NearestResult:
    from studio.core.explore.directions import default_cache_dir
    from studio.core.explore.nearest import NearestImages
    from studio.core.explore.render import Renderer

    renderer = Renderer.open(checkpoint)
    image = renderer.render(recipe)
    cache = cache_dir if cache_dir is not None else default_cache_dir().parent / "nearest"
    index = NearestImages.for_checkpoint(renderer.checkpoint, cache_dir=cache)
    matches = index.nearest(image, k)
    return NearestResult(index.kind, tuple(NearestMatch(to_qimage(m.image), m.distance, m.index, m.name)
                                           for m in matches))
