"""The atlas: many seeds laid out by similarity (a job); a seed pins on the canvas or joins the mixer."""

from __future__ import annotations

from studio.ui.explore.atlas_view import AtlasPanel
from studio.ui.explore.atlas_worker import build_atlas_shown
from studio.ui.explore.tool import ExploreTool, ToolHost


class AtlasTool(ExploreTool):
    name, title = "atlas", "Atlas"

    def __init__(self) -> None:
        from studio.core.explore.atlas import available_layouts

        self.panel = AtlasPanel(available_layouts())

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.build_requested.connect(self.build)
        self.panel.cancel_requested.connect(lambda: host.cancel(self))
        self.panel.pin_requested.connect(host.pin_seed)
        self.panel.mixer_requested.connect(lambda seed, role: host.tool("mixer").add_seed(seed, role))

    def opened(self, info, other_model: bool) -> None:
        self.panel.set_styled(bool(info.groups))

    def build(self, seeds: list[int], layout: str = "pca") -> None:
        """Render `seeds` and lay them out by similarity; the canvas stays live meanwhile."""
        job = self.host.run(self, build_atlas_shown, list(seeds), self.host.state.truncation, layout,
                            failure="The atlas failed")
        if job is not None:
            job.progress.connect(lambda p: self.panel.show_progress(*p))
            job.done.connect(self.panel.show_atlas)

    def set_busy(self, busy: bool) -> None:
        self.panel.set_busy(busy)
