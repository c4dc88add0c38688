"""The Explore tab's widgets and where they go: the header (what is open, Open, Train upscaler, Export), the latent
canvas and its controls, the image, the tool tabs (each tool's panel placed `Place.SIDE`, in the order of
EXPLORE_TOOLS) and the strip under them (history, favourites, then the panels placed `Place.STRIP`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from studio.ui.explore.history_strip import ThumbnailStrip
from studio.ui.explore.latent_canvas import LatentCanvas
from studio.ui.explore.latent_controls import LatentControls
from studio.ui.explore.tool import Place, Tool
from studio.ui.explore.tool_tabs import ToolTabs
from studio.ui.widgets.elided_label import ElidedLabel
from studio.ui.widgets.image_view import ImageView


@dataclass(frozen=True)
class ExploreWidgets:
    """The Explore tab's widgets (`tab.ui`); the tab connects them, tools reach their own panels."""

    source: ElidedLabel  # what is open
    open_button: QPushButton
    upscaler_button: QPushButton
    export_button: QPushButton
    canvas: LatentCanvas
    controls: LatentControls
    view: ImageView  # the picture
    status: QLabel  # the line under the picture
    history: ThumbnailStrip
    favourite_strip: ThumbnailStrip
    play_favourites: QPushButton  # the favourites' loop, beside the strip's tabs
    side_tabs: ToolTabs
    columns: ExploreColumns
    strips: QTabWidget  # history, favourites and the STRIP tools' panels


def build_explore_layout(tab: QWidget, tools: Iterable[Tool]) -> ExploreWidgets:
    """The widgets of the ExploreTab `tab` (studio/ui/explore/tab.py), laid out in it with the `tools`' panels;
    nothing is connected here."""
    tools = list(tools)
    source = ElidedLabel("No checkpoint open.")  # a long path never widens the page
    source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    open_button = QPushButton("Open run or checkpoint…")
    open_button.setToolTip("Explore a run folder (its latest checkpoint) or a .safetensors checkpoint")
    export_button = QPushButton("Export…")
    export_button.setToolTip("Save this image, a grid or a looping animation (PNG, GIF, WebP, MP4)")
    export_button.setEnabled(False)
    upscaler_button = QPushButton("Train upscaler…")
    upscaler_button.setToolTip("Learn ×2/×4 enlarging from this run's own folder (a few minutes); "
                               "Export sizes then use it instead of Lanczos")
    upscaler_button.setEnabled(False)
    header = QHBoxLayout()
    header.addWidget(source, 1)
    header.addWidget(open_button)
    header.addWidget(upscaler_button)
    header.addWidget(export_button)

    canvas = LatentCanvas()
    controls = LatentControls()
    view = ImageView(placeholder="Open a run folder or checkpoint to explore what it learned.", min_side=256)
    status = QLabel("")
    status.setWordWrap(True)
    history = ThumbnailStrip()
    history.setToolTip("History: the images you visited; click one to go back to it")
    favourite_strip = ThumbnailStrip(limit=1000)
    favourite_strip.setToolTip("Favourites, saved with the run; click one to put it on the canvas")
    side = ToolTabs()
    for tool in tools:
        if tool.place is Place.SIDE:
            side.addTab(tool.panel, tool.title)

    left = QWidget()
    ll = QVBoxLayout(left)
    ll.setContentsMargins(0, 0, 0, 0)
    ll.addWidget(canvas, 1)
    ll.addWidget(controls)
    centre = QWidget()
    cl = QVBoxLayout(centre)
    cl.setContentsMargins(0, 0, 0, 0)
    cl.addWidget(view, 1)
    cl.addWidget(status)
    columns = ExploreColumns(left, centre, side)
    lay = QVBoxLayout(tab)
    lay.setContentsMargins(4, 4, 4, 4)
    lay.addLayout(header)
    lay.addWidget(columns, 1)
    # History, favourites and the nearest training images share one strip under the canvas (one at a
    # time), so that the canvas keeps its room on a small screen.
    favourites = QWidget()
    fl = QVBoxLayout(favourites)
    fl.setContentsMargins(0, 0, 0, 0)
    fl.addWidget(favourite_strip)
    play_favourites = QPushButton("▶ Play loop", checkable=True,
                                  toolTip="Play the favourites, in order, as a looping animation "
                                          "(the keyframes of an animation: export it with Export…)")
    strips = QTabWidget()
    strips.addTab(history, "History")
    strips.addTab(favourites, "Favourites")
    for tool in tools:
        if tool.place is Place.STRIP:
            strips.addTab(tool.panel, tool.title)
    strips.setCornerWidget(play_favourites)  # beside the strip's tabs: the strip keeps its height
    strips.currentChanged.connect(lambda i: play_favourites.setVisible(strips.widget(i) is favourites))
    play_favourites.setVisible(False)
    lay.addWidget(strips)
    return ExploreWidgets(source, open_button, upscaler_button, export_button, canvas, controls, view, status,
                          history, favourite_strip, play_favourites, side, columns, strips)


class ExploreColumns(QSplitter):
    """The canvas, the image and the tools side by side where the page is wide enough; on a narrower page
    the canvas becomes the first of the tool tabs, so that the page never scrolls sideways (its minimum
    width is the narrow arrangement's)."""

    def __init__(self, canvas: QWidget, image: QWidget, tools: ToolTabs) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.canvas, self.image, self.tools = canvas, image, tools
        self.setChildrenCollapsible(False)
        self.wide = False
        self.tools.insertTab(0, canvas, "Canvas")
        self.tools.setCurrentIndex(0)
        self.addWidget(image)
        self.addWidget(tools)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self._arranging = False

    def _tool_width(self) -> int:
        return max(self.tools.widget(i).minimumSizeHint().width() for i in range(self.tools.count())
                   if self.tools.widget(i) is not self.canvas)

    def _frame(self) -> int:
        return 2 * self.tools.pages.frameWidth()

    def wide_width(self) -> int:
        """The width the three columns need."""
        return (self.canvas.minimumSizeHint().width() + self.image.minimumSizeHint().width()
                + self._tool_width() + self._frame() + 2 * self.handleWidth())

    def narrow_width(self) -> int:
        """The width the image beside the tool tabs (with the canvas among them) needs."""
        return (self.image.minimumSizeHint().width() + self._frame() + self.handleWidth()
                + max(self._tool_width(), self.canvas.minimumSizeHint().width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.narrow_width(), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.arrange(event.size().width())
        super().resizeEvent(event)

    def arrange(self, width: int) -> None:
        wide = width >= self.wide_width()
        if wide == self.wide or self._arranging:
            return
        self._arranging = True
        try:
            self.wide = wide
            if wide:
                current = self.tools.currentWidget()
                self.tools.removeTab(self.tools.indexOf(self.canvas))
                self.insertWidget(0, self.canvas)
                self.canvas.show()
                if current is not self.canvas:
                    self.tools.setCurrentWidget(current)
                for i, stretch in enumerate((2, 3, 2)):
                    self.setStretchFactor(i, stretch)
            else:
                self.tools.insertTab(0, self.canvas, "Canvas")  # the tool in use stays in front
                self.setStretchFactor(0, 3)
                self.setStretchFactor(1, 2)
        finally:
            self._arranging = False
