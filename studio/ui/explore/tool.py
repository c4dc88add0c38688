"""What an Explore tool is, and what the Explore tab offers it.

A tool is one file `studio/ui/explore/<name>_tool.py` and one line in `tools.EXPLORE_TOOLS`: a class with a
title, a panel (placed among the tool tabs, in the strip under the canvas, or nowhere), and hooks the tab
calls: `attach` once (connect the panel's requests), `opened` when a checkpoint opens (another model: new
sliders, an empty result), `show_state` when the canvas changes, `favourites_changed`. A tool with longer
work starts it with `host.run(tool, work, request...)`: `work(job, checkpoint, *request)` runs off the GUI
thread (studio/ui/jobs.py); the host refuses a second run of the same tool while one runs and without a
checkpoint, says its failures, shows the tool busy meanwhile and stops it when the tab closes. What a tool
exports it saves through `host.export_folder` and reports with `host.exported(path)`; a picture it makes
goes on the canvas with `host.use_recipe` (a History entry, an undo step).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from studio.core.explore.canvas import CanvasState
from studio.core.explore.render import Recipe
from studio.ui.explore.render_worker import Opened, RenderWorker
from studio.ui.base.jobs import Job


class Place(Enum):
    SIDE = "side"  # a page of the tool tabs beside the image
    STRIP = "strip"  # a page of the strip under the canvas (with the history and the favourites)
    NONE = "none"  # no panel: started from the canvas's controls


class ToolHost(Protocol):
    """The Explore tab, as a tool sees it."""

    checkpoint: str | None
    current_recipe: Recipe | None
    cache_dir: str | None
    export_folder: str
    worker: RenderWorker  # the live render thread (mixing grids, …): `submit` a job, connect its signals
    controls: QWidget  # the canvas's controls (its Nearest and Project buttons)

    @property
    def state(self) -> CanvasState: ...

    def run(self, tool: Tool, work: Callable[..., Any], *request: Any, failure: str) -> Job | None: ...

    def cancel(self, tool: Tool) -> None: ...

    def use_recipe(self, recipe: Recipe) -> None: ...

    def edit(self, **changes: Any) -> None: ...  # a canvas change that is an undo step of its own

    def slider_edit(self, **changes: Any) -> None: ...  # part of a drag: one undo step when it ends

    def slider_done(self) -> None: ...

    def pin_seed(self, seed: int) -> None: ...

    def say(self, text: str) -> None: ...

    def show_status(self, text: str) -> None: ...  # the line under the image, not a message

    def reveal(self, tool: Tool) -> None: ...  # bring its panel to the front

    def tool(self, name: str) -> Tool: ...

    def exported(self, path: str) -> None: ...


class Tool(Protocol):
    name: str  # its key: host.tool(name), tab.tools[name]
    title: str  # its button, and "… is already running"
    place: Place
    panel: QWidget | None

    def attach(self, host: ToolHost) -> None: ...

    def opened(self, info: Opened, other_model: bool) -> None: ...

    def show_state(self, state: CanvasState, before: CanvasState, first: bool) -> None: ...

    def favourites_changed(self, recipes: list[Recipe]) -> None: ...

    def set_busy(self, busy: bool) -> None: ...


class ExploreTool:
    """Defaults for the hooks a tool does not need."""

    name = ""
    title = ""
    place = Place.SIDE
    panel: QWidget | None = None
    host: ToolHost

    def attach(self, host: ToolHost) -> None:
        self.host = host

    def opened(self, info: Opened, other_model: bool) -> None:
        pass

    def show_state(self, state: CanvasState, before: CanvasState, first: bool) -> None:
        pass

    def favourites_changed(self, recipes: list[Recipe]) -> None:
        pass

    def set_busy(self, busy: bool) -> None:
        pass
