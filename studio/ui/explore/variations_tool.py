"""Variations: a grid of pictures near the one on the canvas (small random moves of its latent, as far as
the spread slider says), the canvas's picture in the middle; click any cell to make it the picture on the
canvas. The whole tool is this file (panel, job, tool) and its line in EXPLORE_TOOLS; the maths is
studio/core/explore/variations.py."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget
from superqt.utils import qdebounced

from studio.core.formats.recipe import Recipe
from studio.ui.explore.tool import ExploreTool, ToolHost
from studio.ui.base.jobs import JobControl
from studio.ui.base.qimage import to_qimage
from studio.ui.widgets.image_view import ImageView

COLUMNS = 3  # a 3 × 3 grid: eight variations around the picture itself
GAP = 2  # px between cells
SPREAD_STEPS = 100  # slider steps per standard deviation of w


@dataclass(frozen=True)
class VariationsShown:
    grid: QImage
    cells: tuple[Recipe, ...]  # row-major; the middle one is the canvas's picture
    cell_w: int
    cell_h: int


def make_grid(job: JobControl, checkpoint: str, recipe: Recipe, spread: float, seed: int,
              cache_dir: str | None) -> VariationsShown:
    """Off the GUI thread, with its own frozen generator copy."""
    import numpy as np

    from studio.core.explore.render import Renderer
    from studio.core.explore.variations import make_variations
    from studio.core.images import tile

    renderer = Renderer.open(checkpoint, cache_dir=cache_dir)
    count = COLUMNS * COLUMNS
    near = make_variations(renderer, recipe, count - 1, spread, seed)
    middle = count // 2
    images = np.concatenate([near.images[:middle], renderer.render(recipe)[None], near.images[middle:]])
    cells = near.recipes[:middle] + (recipe,) + near.recipes[middle:]
    h, w = images.shape[1:3]
    return VariationsShown(to_qimage(tile(list(images), COLUMNS, gap=GAP)), cells, w, h)


class VariationsPanel(QWidget):
    requested = Signal(float, int)  # spread (standard deviations of w), seed
    chosen = Signal(object)  # the Recipe of the clicked cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Variations: pictures near the one on the canvas; click one to use it")
        self.spread = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=150, value=40,
                              toolTip="How far the variations may wander from the picture")
        self.spread_label = QLabel()
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, toolTip="Which random moves (the same seed gives "
                                                                   "the same variations)")
        self.make = QPushButton("Vary", toolTip="Variations of the picture on the canvas")
        self.again = QPushButton("Others", toolTip="Other variations at the same spread (the next seed)")
        self.view = ImageView(placeholder="Open a checkpoint, then press Vary.", min_side=128, size_hint=320)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.shown: VariationsShown | None = None
        form = QGridLayout()  # two short rows: the tool column stays as narrow as the atlas's
        form.addWidget(QLabel("Spread"), 0, 0)
        form.addWidget(self.spread, 0, 1)
        form.addWidget(self.spread_label, 0, 2)
        form.addWidget(QLabel("Seed"), 1, 0)
        form.addWidget(self.seed, 1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.make)
        buttons.addWidget(self.again)
        form.addLayout(buttons, 2, 0, 1, 3)
        form.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        self._show_spread()
        self._settled = qdebounced(self.request, 400, parent=self)  # a new grid once the slider rests
        self.spread.valueChanged.connect(self._show_spread)
        self.spread.valueChanged.connect(lambda _v: self._settled() if self.shown is not None else None)
        self.make.clicked.connect(self.request)
        self.again.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1) or self.request())
        self.view.clicked.connect(self._clicked)

    def spread_value(self) -> float:
        return self.spread.value() / SPREAD_STEPS

    def _show_spread(self) -> None:
        self.spread_label.setText(f"{self.spread_value():.2f}")

    def request(self) -> None:
        self.requested.emit(self.spread_value(), self.seed.value())

    def set_busy(self, busy: bool) -> None:
        self.make.setEnabled(not busy)
        self.again.setEnabled(not busy)
        if busy:
            self.status.setText("Making variations…")

    def show_grid(self, shown: VariationsShown) -> None:
        self.shown = shown
        self.view.set_image(shown.grid)
        self.status.setText("The canvas's picture is in the middle; click any picture to use it.")

    def clear(self) -> None:
        self.shown = None
        self.view.set_image(QImage())
        self.status.setText("")

    def cell_at(self, fx: float, fy: float) -> Recipe | None:
        """The recipe of the cell at (fx, fy) in 0..1 of the grid; None on a gap."""
        s = self.shown
        if s is None:
            return None
        x, y = fx * s.grid.width(), fy * s.grid.height()
        col, row = int(x // (s.cell_w + GAP)), int(y // (s.cell_h + GAP))
        if x - col * (s.cell_w + GAP) >= s.cell_w or y - row * (s.cell_h + GAP) >= s.cell_h:
            return None
        i = row * COLUMNS + col
        return s.cells[i] if 0 <= col < COLUMNS and 0 <= i < len(s.cells) else None

    def _clicked(self, fx: float, fy: float) -> None:
        recipe = self.cell_at(fx, fy)
        if recipe is not None:
            self.chosen.emit(recipe)


class VariationsTool(ExploreTool):
    name, title = "variations", "Variations"

    def __init__(self) -> None:
        self.panel = VariationsPanel()

    def attach(self, host: ToolHost) -> None:
        super().attach(host)
        self.panel.requested.connect(self.vary)
        self.panel.chosen.connect(host.use_recipe)

    def vary(self, spread: float, seed: int) -> None:
        host = self.host
        if host.checkpoint is not None and host.current_recipe is None:
            host.say("Wait for the picture to appear, then vary it.")
            return
        job = host.run(self, make_grid, host.current_recipe, spread, seed, host.cache_dir,
                       failure="The variations failed")
        if job is not None:
            job.done.connect(self.panel.show_grid)

    def set_busy(self, busy: bool) -> None:
        self.panel.set_busy(busy)

    def opened(self, info, other_model: bool) -> None:
        if other_model:
            self.panel.clear()  # another model's pictures are not near this one's
