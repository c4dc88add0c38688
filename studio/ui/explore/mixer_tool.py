"""The style mixer: row seeds take the column seeds' styles on a layer range (rendered live by the render
thread); a cell goes on the canvas."""

from __future__ import annotations

from studio.ui.explore.render_worker import MixJob
from studio.ui.explore.style_mixer import StyleMixer
from studio.ui.explore.tool import ExploreTool, ToolHost


class MixerTool(ExploreTool):
    name, title = "mixer", "Style mixer"

    def __init__(self) -> None:
        self.panel = StyleMixer()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.requested.connect(
            lambda rows, cols, layers: host.worker.submit(MixJob(rows, cols, layers, host.state.truncation)))
        self.panel.cell_chosen.connect(host.use_recipe)
        self.panel.message.connect(host.say)
        host.worker.mix_ready.connect(lambda _token, image, result: self.panel.show_grid(image, result))

    def opened(self, info, other_model: bool) -> None:
        self.panel.set_model(info.groups, info.num_ws)
        if info.groups:
            self.panel.request()

    def favourites_changed(self, recipes) -> None:
        self.panel.favourites = list(recipes)

    def add_seed(self, seed: int, role: str) -> None:
        """`seed` at the end of the rows ("rows") or the columns, and the grid again."""
        field = self.panel.rows if role == "rows" else self.panel.cols
        text = field.text().strip().rstrip(",")
        field.setText(f"{text},{seed}" if text else str(seed))
        self.panel.request()
        self.host.say(f"Seed {seed} added to the style mixer's {'rows' if role == 'rows' else 'columns'}.")
