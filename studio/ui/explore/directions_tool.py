"""Directions: move the picture along the model's principal directions of w (sliders), on some layers."""

from __future__ import annotations

from studio.ui.explore.directions_panel import DirectionsPanel
from studio.ui.explore.tool import ExploreTool, ToolHost


class DirectionsTool(ExploreTool):
    name, title = "directions", "Directions"

    def __init__(self) -> None:
        self.panel = DirectionsPanel()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.changed.connect(lambda moves, layers: host.slider_edit(directions=moves, direction_layers=layers))
        self.panel.committed.connect(self._committed)

    def _committed(self, moves, layers) -> None:
        # A release ends the drag's undo step; a reset or a layer choice is a step of its own.
        self.host.slider_done()
        self.host.slider_edit(directions=moves, direction_layers=layers)
        self.host.slider_done()

    def opened(self, info, other_model: bool) -> None:
        self.panel.set_model(info.num_ws, info.groups)

    def show_state(self, state, before, first: bool) -> None:
        if first or (state.directions, state.direction_layers) != (before.directions, before.direction_layers):
            self.panel.set_values(state.directions, state.direction_layers)
