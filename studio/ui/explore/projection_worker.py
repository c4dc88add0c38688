"""Projects a picture into the latent space off the GUI thread (a job with its own frozen generator
copy), cancellable."""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.errors import StudioError
from studio.core.explore.render import Recipe
from studio.ui.base.jobs import JobControl


@dataclass(frozen=True)
class Projected:
    recipe: Recipe  # with the projected w embedded
    note: str  # how the picture was fitted to the model's shape ('' if it had that shape)


def project_picture(job: JobControl, checkpoint: str, picture: str, steps: int = 300) -> Projected:
    """Reports (step, steps, loss) as it goes."""
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.projection import project
    from studio.core.explore.render import Renderer
    from studio.core.images import fit_note, load_picture

    target = load_picture(picture)
    renderer = Renderer.open(checkpoint)
    feats = FeatureSpace(load_discriminator(renderer.checkpoint), "auto")
    result = project(renderer, target, steps, features=feats, progress=job.report, cancel=job.cancelled)
    if result.cancelled:
        raise StudioError("Projection cancelled.")
    return Projected(result.recipe(), fit_note(target.shape[1], target.shape[0], renderer.size))
