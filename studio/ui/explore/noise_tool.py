"""Noise: the style model's per-layer noise (constant, random, none; which layers)."""

from __future__ import annotations

from studio.ui.explore.noise_panel import NoisePanel
from studio.ui.explore.tool import ExploreTool, ToolHost


class NoiseTool(ExploreTool):
    name, title = "noise", "Noise"

    def __init__(self) -> None:
        self.panel = NoisePanel()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.changed.connect(lambda mode, seed, layers: host.edit(noise_mode=mode, noise_seed=seed,
                                                                        noise_layers=layers))

    def opened(self, info, other_model: bool) -> None:
        self.panel.set_model(info.noise_layers, info.model)

    def show_state(self, state, before, first: bool) -> None:
        if first or (state.noise_mode, state.noise_seed, state.noise_layers) != (
                before.noise_mode, before.noise_seed, before.noise_layers):
            self.panel.set_values(state.noise_mode, state.noise_seed, state.noise_layers)
