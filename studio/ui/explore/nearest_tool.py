"""The nearest training images to the picture on the canvas (a job), in the strip under the canvas:
is the model drawing something new, or a picture it learned?"""

from __future__ import annotations

from pathlib import Path

from studio.ui.explore.nearest_panel import NearestPanel
from studio.ui.explore.nearest_worker import find_nearest
from studio.ui.explore.tool import ExploreTool, Place, ToolHost


class NearestTool(ExploreTool):
    name, title, place = "nearest", "Nearest training images", Place.STRIP

    def __init__(self) -> None:
        self.panel = NearestPanel()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        host.controls.nearest.connect(self.check)

    def check(self) -> None:
        host = self.host
        if host.current_recipe is None or host.checkpoint is None:
            return
        cache = str(Path(host.cache_dir) / "nearest") if host.cache_dir is not None else None
        job = host.run(self, find_nearest, host.current_recipe, cache,
                       failure="Could not compare with the training images")
        if job is not None:
            self.panel.searching()
            host.reveal(self)
            job.done.connect(self.panel.show_result)

    def opened(self, info, other_model: bool) -> None:
        if other_model:
            self.panel.clear()  # what the last model drew is not this one's
