"""The Explore tools, in the order of their buttons: a new tool is one file
(`studio/ui/explore/<name>_tool.py`) and a line below
(see studio/ui/explore/tool.py for what a tool is)."""

from __future__ import annotations

from studio.ui.explore.atlas_tool import AtlasTool
from studio.ui.explore.directions_tool import DirectionsTool
from studio.ui.explore.inpaint_tool import InpaintTool
from studio.ui.explore.mixer_tool import MixerTool
from studio.ui.explore.nearest_tool import NearestTool
from studio.ui.explore.noise_tool import NoiseTool
from studio.ui.explore.projection_tool import ProjectionTool
from studio.ui.explore.variations_tool import VariationsTool

EXPLORE_TOOLS = [
    DirectionsTool,
    MixerTool,
    NoiseTool,
    AtlasTool,
    InpaintTool,
    VariationsTool,
    NearestTool,
    ProjectionTool,
]
