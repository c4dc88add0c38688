"""One QImage painted to fit, aspect kept, centred: whole-number enlargements with nearest pixels (nothing
invented) when they nearly fill the room, smooth filtering otherwise. Reports clicks in image coordinates (0..1), double-clicks, and
when a new image has actually been painted (what latency measurements wait for). Used by the live
sample grid, the dataset panel, snapshot comparison and the Explore tab."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


WHOLE_SHARE = 0.85  # a whole-number enlargement is used when it fills at least this share of the fitting size


class ImageView(QWidget):
    clicked = Signal(float, float)  # x, y in 0..1 of the image (left button)
    double_clicked = Signal()
    shown = Signal()  # after a new image has been painted

    def __init__(self, parent: QWidget | None = None, placeholder: str = "", min_side: int = 160,
                 size_hint: int = 420) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.placeholder = placeholder
        self._size_hint = size_hint
        self._painted = True
        self.setMinimumSize(min_side, min_side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        resized = image.size() != self.image.size()
        self.image = image
        self._painted = False
        if resized and self.hasHeightForWidth():
            self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._size_hint, self._size_hint)

    def fit_to_width(self) -> None:
        """Take the height the image needs at the available width (for strips in a scrolling panel)."""
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return self.sizePolicy().hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        if self.image.isNull():
            return self.minimumHeight()
        natural = self.image.height() * min(width / self.image.width(), 3.0)
        return max(self.minimumHeight(), int(natural))

    def image_area(self) -> QRectF:
        """Where the image may be painted (all of the widget; a subclass may keep margins)."""
        return QRectF(self.rect())

    def target_rect(self) -> QRectF:
        if self.image.isNull():
            return QRectF()
        area = self.image_area()
        w, h = area.width(), area.height()
        iw, ih = self.image.width(), self.image.height()
        scale = max(min(w / iw, h / ih), 1e-6)
        # Whole multiples keep enlarged pixels square and sharp, unless they waste the room: a 3:2 grid at
        # 1600 × 1000 drew at ×2 (403 px) in a 580 px view, with the wide margins of issue 15's defect 14.
        if scale >= 2 and int(scale) / scale >= WHOLE_SHARE:
            scale = float(int(scale))
        tw, th = iw * scale, ih * scale
        return QRectF(area.x() + (w - tw) / 2, area.y() + (h - th) / 2, tw, th)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.image.isNull():
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            rect = self.target_rect()
            ratio = rect.width() / self.image.width()
            smooth = ratio < 1 or abs(ratio - round(ratio)) > 1e-6
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.drawImage(rect, self.image)
        p.end()
        if not self._painted:
            self._painted = True
            self.shown.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        r = self.target_rect()
        pos: QPointF = event.position()
        if r.isValid() and r.contains(pos) and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit((pos.x() - r.x()) / r.width(), (pos.y() - r.y()) / r.height())
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.double_clicked.emit()
