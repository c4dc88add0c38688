"""The Explore tools, in the order of their buttons: a new tool is a file here and a line below
(see studio/ui/explore/tool.py for what a tool is)."""

from __future__ import annotations

from studio.ui.explore.tools.atlas import AtlasTool
from studio.ui.explore.tools.directions import DirectionsTool
from studio.ui.explore.tools.inpaint import InpaintTool
from studio.ui.explore.tools.mixer import MixerTool
from studio.ui.explore.tools.nearest import NearestTool
from studio.ui.explore.tools.noise import NoiseTool
from studio.ui.explore.tools.projection import ProjectionTool
from studio.ui.explore.tools.variations import VariationsTool

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
