"""Shows one QImage scaled to fit, crisp pixels; reports clicks in image coordinates (0..1)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class ImageView(QWidget):
    clicked = Signal(float, float)  # x, y in 0..1 of the image
    shown = Signal()  # emitted after a new image has been painted

    def __init__(self, parent: QWidget | None = None, placeholder: str = "", min_side: int = 128) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.placeholder = placeholder
        self._painted = True
        self.setMinimumSize(min_side, min_side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._painted = False
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, 320)

    def target_rect(self) -> QRectF:
        if self.image.isNull():
            return QRectF()
        iw, ih = self.image.width(), self.image.height()
        s = min(self.width() / iw, self.height() / ih)
        if s >= 1:
            s = float(int(s)) if s >= 2 else s  # whole-number zoom keeps pixels square
        w, h = iw * s, ih * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.image.isNull():
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(self.target_rect(), self.image)
        p.end()
        if not self._painted:
            self._painted = True
            self.shown.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        r = self.target_rect()
        pos: QPointF = event.position()
        if r.isValid() and r.contains(pos) and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit((pos.x() - r.x()) / r.width(), (pos.y() - r.y()) / r.height())
