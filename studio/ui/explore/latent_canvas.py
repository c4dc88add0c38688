"""The latent canvas: pins (seeds) on a plane and a cursor; the tab renders the blend under the cursor."""

from __future__ import annotations

import random

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QInputDialog, QMenu, QSizePolicy, QWidget

from studio.core.explore.canvas import CanvasState

PIN_RADIUS = 9
GOLDEN_ANGLE = 137.508  # degrees: each new hue lands in the largest gap left by the ones before it
THUMB = 40  # long side of a pin's picture on the canvas (its shape kept)
LABEL_HEIGHT = 18  # a pin's label ("seed 12"), under its picture
LABEL_GAP = 2  # between the picture's frame and the label


def pin_colour(index: int) -> QColor:
    """The colour of the pin at `index`: fixed for good, so adding a pin never recolours the others."""
    return QColor.fromHsv(int(index * GOLDEN_ANGLE) % 360, 160, 230)


def thumb_size(width: int, height: int) -> tuple[float, float]:
    """A pin's picture on the canvas: THUMB px on its long side, its shape kept (a 24×16 run: 40×26.7)."""
    side = max(width, height, 1)
    return THUMB * width / side, THUMB * height / side


def pin_label(seed: int) -> str:
    return f"seed {seed}"


class LatentCanvas(QWidget):
    """Drag the cursor (or a pin) to explore; double-click to add a pin; right-click a pin for more."""

    drag_started = Signal()
    cursor_moved = Signal(float, float)
    pin_moved = Signal(int, float, float)
    drag_finished = Signal()
    pin_added = Signal(float, float)
    pin_removed = Signal(int)
    pin_reseeded = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = CanvasState()
        self.thumbs: dict[int, QImage] = {}  # seed -> its image, drawn beside the pin
        self._drag: int | None = None  # pin index, -1 for the cursor, None when not dragging
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.setToolTip("Drag to explore the blend of the pins. Double-click: add a pin. "
                        "Drag a pin to move it; right-click it to re-seed or remove it.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(360, 360)

    def set_thumbs(self, thumbs: dict[int, QImage]) -> None:
        self.thumbs.update(thumbs)
        self.update()

    def missing_thumbs(self) -> tuple[int, ...]:
        return tuple(sorted({p.seed for p in self.state.pins} - set(self.thumbs)))

    def set_state(self, state: CanvasState) -> None:
        self.state = state
        self.update()

    # ---- geometry
    def area(self) -> QRectF:
        m = PIN_RADIUS + 2
        return QRectF(m, m, max(1, self.width() - 2 * m), max(1, self.height() - 2 * m))

    def to_unit(self, pos: QPointF) -> tuple[float, float]:
        a = self.area()
        return (min(1.0, max(0.0, (pos.x() - a.x()) / a.width())), min(1.0, max(0.0, (pos.y() - a.y()) / a.height())))

    def to_widget(self, x: float, y: float) -> QPointF:
        a = self.area()
        return QPointF(a.x() + x * a.width(), a.y() + y * a.height())

    def pin_at(self, pos: QPointF) -> int | None:
        for i in reversed(range(len(self.state.pins))):
            p = self.state.pins[i]
            c = self.to_widget(p.x, p.y)
            if (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2 <= (PIN_RADIUS + 3) ** 2:
                return i
        return None

    def pin_boxes(self, pin) -> tuple[QRectF | None, QRectF]:
        """Where a pin's picture (None without one) and, under it, its label are drawn: beside the pin, on its
        right, or on its left where the right has no room, and moved up or down to stay on the canvas (a pin
        added at the edge showed an "s" of its label, the rest beyond the canvas)."""
        c = self.to_widget(pin.x, pin.y)
        thumb = self.thumbs.get(pin.seed)
        has_thumb = thumb is not None and not thumb.isNull()
        tw, th = thumb_size(thumb.width(), thumb.height()) if has_thumb else (0.0, 0.0)
        label_w = self.fontMetrics().horizontalAdvance(pin_label(pin.seed)) + 4
        gap = LABEL_GAP if has_thumb else 0
        block_w, block_h = max(tw, label_w), th + gap + LABEL_HEIGHT
        right = c.x() + PIN_RADIUS + 3
        left = right if right + block_w <= self.width() else c.x() - PIN_RADIUS - 3 - block_w
        top = c.y() - th / 2 if has_thumb else c.y() - LABEL_HEIGHT / 2
        top = min(max(0.0, top), max(0.0, self.height() - block_h))
        box = QRectF(left, top, tw, th) if has_thumb else None
        return box, QRectF(left, top + th + gap, label_w, LABEL_HEIGHT)

    # ---- painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        a = self.area()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        grid = QPen(pal.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DotLine)
        p.setPen(grid)
        for i in range(1, 4):
            p.drawLine(QPointF(a.x() + a.width() * i / 4, a.y()), QPointF(a.x() + a.width() * i / 4, a.bottom()))
            p.drawLine(QPointF(a.x(), a.y() + a.height() * i / 4), QPointF(a.right(), a.y() + a.height() * i / 4))
        cursor = self.to_widget(*self.state.cursor)
        colours = [pin_colour(i) for i in range(len(self.state.pins))]
        for pin, colour in zip(self.state.pins, colours, strict=True):  # lines first, under every picture
            p.setPen(QPen(colour.darker(150), 1))
            p.drawLine(cursor, self.to_widget(pin.x, pin.y))
        for pin, colour in zip(self.state.pins, colours, strict=True):
            c = self.to_widget(pin.x, pin.y)
            p.setBrush(colour)
            p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1.5))
            p.drawEllipse(c, PIN_RADIUS, PIN_RADIUS)
            thumb = self.thumbs.get(pin.seed)
            box, label = self.pin_boxes(pin)
            if box is not None:
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                p.drawImage(box, thumb)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(colour, 2))
                p.drawRect(box)
                p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1.5))
            p.drawText(label, Qt.AlignmentFlag.AlignVCenter, pin_label(pin.seed))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
        p.drawEllipse(cursor, 6, 6)
        p.drawLine(cursor + QPointF(-11, 0), cursor + QPointF(-6, 0))
        p.drawLine(cursor + QPointF(6, 0), cursor + QPointF(11, 0))
        p.drawLine(cursor + QPointF(0, -11), cursor + QPointF(0, -6))
        p.drawLine(cursor + QPointF(0, 6), cursor + QPointF(0, 11))
        p.end()

    # ---- interaction
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        pos = event.position()
        pin = self.pin_at(pos)
        if event.button() == Qt.MouseButton.RightButton and pin is not None:
            self._pin_menu(pin, event.globalPosition().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._drag = pin if pin is not None else -1
        self.drag_started.emit()
        if self._drag == -1:
            self.cursor_moved.emit(*self.to_unit(pos))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._drag is None:
            return
        x, y = self.to_unit(event.position())
        if self._drag == -1:
            self.cursor_moved.emit(x, y)
        else:
            self.pin_moved.emit(self._drag, x, y)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._drag is not None:
            self._drag = None
            self.drag_finished.emit()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.pin_at(event.position()) is None:
            self._drag = None
            self.pin_added.emit(*self.to_unit(event.position()))

    def _pin_menu(self, index: int, where) -> None:
        menu = QMenu(self)
        reseed = menu.addAction("Random seed")
        choose = menu.addAction("Set seed…")
        remove = menu.addAction("Remove pin")
        act = menu.exec(where)
        if act is reseed:
            self.pin_reseeded.emit(index, random.randrange(0, 2**31))
        elif act is choose:
            seed, ok = QInputDialog.getInt(self, "Seed", "Seed of this pin:", self.state.pins[index].seed, 0,
                                           2**31 - 1)
            if ok:
                self.pin_reseeded.emit(index, seed)
        elif act is remove:
            self.pin_removed.emit(index)
