"""The Explore tab's widgets and where they go: the header (what is open, Open, Train upscaler, Export), the latent
canvas and its controls, the image, the tool tabs (each tool's panel placed `Place.SIDE`, in the order of
EXPLORE_TOOLS) and the strip under them (history, favourites, then the panels placed `Place.STRIP`)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from studio.ui.explore.history_strip import ThumbnailStrip
from studio.ui.explore.latent_canvas import LatentCanvas
from studio.ui.explore.latent_controls import LatentControls
from studio.ui.explore.tool import Place
from studio.ui.explore.tool_tabs import ToolTabs
from studio.ui.widgets.elided_label import ElidedLabel
from studio.ui.widgets.image_view import ImageView


def build_explore_layout(tab: QWidget) -> None:
    """The widgets of the ExploreTab `tab` (studio/ui/explore/tab.py), each an attribute of it, laid out;
    the tools' panels come from `tab.tools`."""
    tab.source = ElidedLabel("No checkpoint open.")  # a long path never widens the page
    tab.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    open_button = QPushButton("Open run or checkpoint…")
    open_button.setToolTip("Explore a run folder (its latest checkpoint) or a .safetensors checkpoint")
    open_button.clicked.connect(tab._browse)
    tab.export_button = QPushButton("Export…")
    tab.export_button.setToolTip("Save this image, a grid or a looping animation (PNG, GIF, WebP, MP4)")
    tab.export_button.clicked.connect(tab.show_export)
    tab.export_button.setEnabled(False)
    tab.upscaler_button = QPushButton("Train upscaler…")
    tab.upscaler_button.setToolTip("Learn ×2/×4 enlarging from this run's own folder (a few minutes); "
                                   "Export sizes then use it instead of Lanczos")
    tab.upscaler_button.clicked.connect(tab.show_upscaler)
    tab.upscaler_button.setEnabled(False)
    header = QHBoxLayout()
    header.addWidget(tab.source, 1)
    header.addWidget(open_button)
    header.addWidget(tab.upscaler_button)
    header.addWidget(tab.export_button)

    tab.canvas = LatentCanvas()
    tab.controls = LatentControls()
    tab.view = ImageView(placeholder="Open a run folder or checkpoint to explore what it learned.", min_side=256)
    tab.view.shown.connect(lambda: tab.image_shown.emit(tab._shown))
    tab.status = QLabel("")
    tab.status.setWordWrap(True)
    tab.history = ThumbnailStrip()
    tab.history.setToolTip("History: the images you visited; click one to go back to it")
    tab.favourite_strip = ThumbnailStrip(limit=1000)
    tab.favourite_strip.setToolTip("Favourites, saved with the run; click one to put it on the canvas")
    side = ToolTabs()
    for tool in tab.tools.values():
        if tool.place is Place.SIDE:
            side.addTab(tool.panel, tool.title)
    tab.side_tabs = side

    left = QWidget()
    ll = QVBoxLayout(left)
    ll.setContentsMargins(0, 0, 0, 0)
    ll.addWidget(tab.canvas, 1)
    ll.addWidget(tab.controls)
    centre = QWidget()
    cl = QVBoxLayout(centre)
    cl.setContentsMargins(0, 0, 0, 0)
    cl.addWidget(tab.view, 1)
    cl.addWidget(tab.status)
    tab.columns = ExploreColumns(left, centre, side)
    lay = QVBoxLayout(tab)
    lay.setContentsMargins(4, 4, 4, 4)
    lay.addLayout(header)
    lay.addWidget(tab.columns, 1)
    # History, favourites and the nearest training images share one strip under the canvas (one at a
    # time), so that the canvas keeps its room on a small screen.
    favourites = QWidget()
    fl = QVBoxLayout(favourites)
    fl.setContentsMargins(0, 0, 0, 0)
    fl.addWidget(tab.favourite_strip)
    tab.play_favourites = QPushButton("▶ Play loop", checkable=True,
                                      toolTip="Play the favourites, in order, as a looping animation "
                                              "(the keyframes of an animation: export it with Export…)")
    tab.play_favourites.toggled.connect(tab._play_favourites)
    tab.strips = QTabWidget()
    tab.strips.addTab(tab.history, "History")
    tab.strips.addTab(favourites, "Favourites")
    for tool in tab.tools.values():
        if tool.place is Place.STRIP:
            tab.strips.addTab(tool.panel, tool.title)
    tab.strips.setCornerWidget(tab.play_favourites)  # beside the strip's tabs: the strip keeps its height
    tab.strips.currentChanged.connect(lambda i: tab.play_favourites.setVisible(tab.strips.widget(i) is favourites))
    tab.play_favourites.setVisible(False)
    lay.addWidget(tab.strips)




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
