"""The latent atlas view: many seeds' thumbnails on a zoomable, pannable grid; click one to use its latent.

Level of detail: zoomed out, the whole atlas is one mosaic pixmap (one draw call for a thousand images);
zoomed in past the mosaic's own thumbnail size, native thumbnails (one item each, only the visible ones
drawn by the scene's index) take over. Nothing here computes a layout: AtlasWorker brings it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.ui.explore.atlas_worker import AtlasShown

CLICK_SLOP = 5  # pixels a press may move and still count as a click (more is a pan)
ZOOM_STEP = 1.25
MAX_ZOOM = 16.0  # screen pixels per image pixel


class AtlasView(QGraphicsView):
    """Wheel: zoom about the pointer · drag: pan · click: `chosen(seed)` · right-click: `menu_requested`."""

    chosen = Signal(int)  # seed
    menu_requested = Signal(int, QPoint)  # seed, global position
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setBackgroundBrush(QColor(255, 255, 255))
        # Panning is a drag (the hidden scroll bars still hold the position); bars only took room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 200)
        self.setToolTip("The atlas: similar images lie close together. Wheel: zoom · drag: pan · "
                        "click: pin on the canvas · right-click: more")
        self.atlas: AtlasShown | None = None
        self._at: dict[tuple[int, int], int] = {}  # cell -> index
        self._overview: QGraphicsPixmapItem | None = None
        self._detail: QGraphicsRectItem | None = None
        self._hover: QGraphicsRectItem | None = None
        self._press: QPoint | None = None
        self._panning = False
        self._user_zoomed = False

    # ---- content
    def set_atlas(self, atlas: AtlasShown) -> None:
        scene = self.scene()
        scene.clear()
        self.atlas = atlas
        self._at = {cell: i for i, cell in enumerate(atlas.cells)}
        px, py = atlas.pitch
        ow, oh = atlas.overview_size
        self._overview = QGraphicsPixmapItem(QPixmap.fromImage(atlas.overview))
        # The overview's thumbnails lie where the native ones do (x and y apart: a rounded non-square
        # thumbnail's two sides shrink by slightly different factors).
        self._overview.setTransform(QTransform.fromScale(px / (ow + atlas.gap), py / (oh + atlas.gap)))
        scene.addItem(self._overview)
        self._detail = None
        if atlas.thumbs:
            self._detail = QGraphicsRectItem(QRectF())
            self._detail.setPen(QPen(Qt.PenStyle.NoPen))
            for (c, r), image in zip(atlas.cells, atlas.thumbs, strict=True):
                item = QGraphicsPixmapItem(QPixmap.fromImage(image), self._detail)
                item.setPos(c * px, r * py)
            self._detail.setVisible(False)
            scene.addItem(self._detail)
        self._hover = QGraphicsRectItem(QRectF(0, 0, atlas.width, atlas.height))
        self._hover.setPen(QPen(self.palette().highlight().color(), 0))
        self._hover.setZValue(10)
        self._hover.setVisible(False)
        scene.addItem(self._hover)
        scene.setSceneRect(QRectF(-px, -py, (atlas.cols + 2) * px, (atlas.rows + 2) * py))
        self._user_zoomed = False
        self.fit()

    def fit(self) -> None:
        if self.atlas is not None:
            px, py = self.atlas.pitch
            self.fitInView(QRectF(0, 0, self.atlas.cols * px, self.atlas.rows * py),
                           Qt.AspectRatioMode.KeepAspectRatio)
            self._update_lod()

    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self.transform().m11()

    def cell_centre(self, seed: int) -> QPointF:
        """Scene position of a seed's thumbnail centre (for tests and for scrolling to it)."""
        a = self.atlas
        c, r = a.cells[a.seeds.index(seed)]
        px, py = a.pitch
        return QPointF(c * px + a.width / 2, r * py + a.height / 2)

    def seed_at(self, pos: QPoint) -> int | None:
        """The seed under a viewport position, None over a gap or an empty cell."""
        if self.atlas is None:
            return None
        p = self.mapToScene(pos)
        px, py = self.atlas.pitch
        c, r = math.floor(p.x() / px), math.floor(p.y() / py)
        if p.x() - c * px >= self.atlas.width or p.y() - r * py >= self.atlas.height:
            return None
        i = self._at.get((c, r))
        return None if i is None else self.atlas.seeds[i]

    def _update_lod(self) -> None:
        if self._overview is None or self.atlas is None:
            return
        # How many screen pixels one pixel of the mosaic covers: below 1 it is minified (smooth it),
        # above it is magnified (keep pixels crisp; past ~1.2 the native thumbnails look better).
        mosaic_zoom = self.zoom() * self._overview.transform().m11()
        self._overview.setTransformationMode(Qt.TransformationMode.SmoothTransformation if mosaic_zoom < 1
                                             else Qt.TransformationMode.FastTransformation)
        if self._detail is not None:
            detail = mosaic_zoom > 1.2
            self._detail.setVisible(detail)
            self._overview.setVisible(not detail)
        self.zoom_changed.emit(self.zoom())

    # ---- interaction
    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.atlas is None:
            return
        steps = event.angleDelta().y() / 120
        if not steps:
            return
        factor = ZOOM_STEP ** steps
        view = self.viewport().rect()
        px, py = self.atlas.pitch
        fit = min(view.width() / (self.atlas.cols * px), view.height() / (self.atlas.rows * py))
        target = min(MAX_ZOOM, max(fit / 2, self.zoom() * factor))
        self.scale(target / self.zoom(), target / self.zoom())
        self._user_zoomed = True
        self._update_lod()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.RightButton:
            seed = self.seed_at(pos)
            if seed is not None:
                self.menu_requested.emit(seed, event.globalPosition().toPoint())
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._panning = pos, False
            self._scroll_start = (self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        pos = event.position().toPoint()
        if self._press is not None:
            d = pos - self._press
            if self._panning or d.manhattanLength() > CLICK_SLOP:
                self._panning = True
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
                self.horizontalScrollBar().setValue(self._scroll_start[0] - d.x())
                self.verticalScrollBar().setValue(self._scroll_start[1] - d.y())
            return
        self._show_hover(pos)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        was_click = not self._panning
        self._press, self._panning = None, False
        self.viewport().unsetCursor()
        if was_click:
            seed = self.seed_at(event.position().toPoint())
            if seed is not None:
                self.chosen.emit(seed)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.seed_at(event.position().toPoint()) is None:
            self.fit()  # double-click on empty space: back to the whole atlas

    def _show_hover(self, pos: QPoint) -> None:
        seed = self.seed_at(pos)
        if self._hover is None:
            return
        if seed is None:
            self._hover.setVisible(False)
            return
        a = self.atlas
        c, r = a.cells[a.seeds.index(seed)]
        px, py = a.pitch
        self._hover.setPos(c * px, r * py)
        self._hover.setVisible(True)
        self.viewport().setToolTip(f"seed {seed}")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self._user_zoomed:
            self.fit()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self.atlas is None:
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "Build an atlas: many seeds laid out by similarity.")
            p.end()


# The layouts in an artist's words. The core names its method ("pca of w": principal components of the
# network's intermediate latent; "tsne of discriminator features"): an algorithm and a symbol that tell an
# artist nothing. What the placing means to them is who ends up side by side: pictures the model draws from
# similar styles, or pictures that look alike.
LAYOUT_NAMES = {"pca": "by the model's styles", "tsne": "by look (t-SNE)", "umap": "by look (UMAP)"}


def placed_by(method: str) -> str:
    """The core's `Atlas.method` said for the artist."""
    if method.endswith(" of w"):
        return "placed by the model's styles: similar styles side by side"
    return "placed by how they look: similar pictures side by side"


class AtlasPanel(QWidget):
    """Controls (how many seeds, layout, build/cancel, progress) above the atlas view."""

    build_requested = Signal(object, str)  # seeds (list[int]), layout
    cancel_requested = Signal()
    pin_requested = Signal(int)  # seed
    mixer_requested = Signal(int, str)  # seed, "rows" | "cols"

    def __init__(self, layouts: tuple[str, ...] = ("pca",), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = QSpinBox(minimum=2, maximum=3000, value=1000, toolTip="How many seeds the atlas shows")
        self.first = QSpinBox(maximum=2**31 - 1, toolTip="The first seed; the atlas shows the seeds after it")
        self.first.setPrefix("from seed ")
        self.layout_box = QComboBox(toolTip="How to place the images: by the styles the model drew them from "
                                            "(always there; by how they look for a model without styles), or by "
                                            "how they look (laid out by t-SNE or UMAP when scikit-learn / "
                                            "umap-learn are installed)")
        for k in layouts:
            self.layout_box.addItem(LAYOUT_NAMES.get(k, k), k)
        self.build = QPushButton("Build atlas", toolTip="Render the seeds (off the window's thread) and lay "
                                                        "them out by similarity")
        self.cancel = QPushButton("Cancel", toolTip="Stop building the atlas")
        self.cancel.setEnabled(False)
        self.fit_button = QPushButton("Fit", toolTip="Show the whole atlas (or double-click an empty spot)")
        self.progress = QProgressBar(toolTip="Images rendered so far")
        self.progress.setVisible(False)
        self.info = QLabel("Click a thumbnail: pin it on the canvas. Right-click: send it to the style mixer.")
        self.info.setWordWrap(True)
        self.view = AtlasView()
        self.build.clicked.connect(self._build)
        self.cancel.clicked.connect(self.cancel_requested)
        self.fit_button.clicked.connect(self.view.fit)
        self.view.chosen.connect(self.pin_requested)
        self.view.menu_requested.connect(self._menu)
        count_label = QLabel("Images")
        count_label.setToolTip(self.count.toolTip())
        count_label.setBuddy(self.count)
        row = QHBoxLayout()
        row.addWidget(count_label)
        row.addWidget(self.count)
        row.addWidget(self.first, 1)
        layout_row = QHBoxLayout()
        layout_row.addWidget(QLabel("Placed"))
        layout_row.addWidget(self.layout_box, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.build)
        row2.addWidget(self.cancel)
        row2.addWidget(self.fit_button)
        row2.addWidget(self.progress, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(layout_row)
        lay.addLayout(row2)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.info)

    def seeds(self) -> list[int]:
        first = self.first.value()
        return list(range(first, first + self.count.value()))

    def _build(self) -> None:
        self.build_requested.emit(self.seeds(), self.layout_box.currentData())

    def set_busy(self, busy: bool) -> None:
        self.build.setEnabled(not busy)
        self.cancel.setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setValue(0)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def show_atlas(self, atlas: AtlasShown) -> None:
        self.view.set_atlas(atlas)
        self.info.setText(f"{len(atlas.seeds)} seeds on a {atlas.cols}×{atlas.rows} grid, {placed_by(atlas.method)} "
                          f"(ψ {atlas.truncation:.2f}). Click: pin on the canvas · right-click: style mixer · "
                          "wheel: zoom · drag: pan.")

    def set_styled(self, styled: bool) -> None:
        """A model without styles (DCGAN) has its default layout placed by look."""
        i = self.layout_box.findData("pca")
        if i >= 0:
            self.layout_box.setItemText(i, LAYOUT_NAMES["pca"] if styled else "by look")

    def _menu(self, seed: int, where: QPoint) -> None:
        menu = QMenu(self)
        pin = menu.addAction(f"Pin seed {seed} on the canvas")
        rows = menu.addAction("Add to the mixer's rows")
        cols = menu.addAction("Add to the mixer's columns")
        act = menu.exec(where)
        if act is pin:
            self.pin_requested.emit(seed)
        elif act is rows:
            self.mixer_requested.emit(seed, "rows")
        elif act is cols:
            self.mixer_requested.emit(seed, "cols")
