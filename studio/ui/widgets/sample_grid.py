"""The live fixed-seed sample grid: draws the newest QImage scaled to fit (crisp pixels when enlarged),
with a caption; double-click opens it large in its own window."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget


class ImageView(QWidget):
    """Paints one QImage, aspect kept, centred; upscaling uses nearest pixels so nothing is invented."""

    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self.image = QImage()
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)

    def set_image(self, image: QImage) -> None:
        resized = image.size() != self.image.size()
        self.image = image
        if resized and self.hasHeightForWidth():
            self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 420)

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

    def target_rect(self) -> QRectF:
        if self.image.isNull():
            return QRectF()
        w, h = self.width(), self.height()
        iw, ih = self.image.width(), self.image.height()
        scale = min(w / iw, h / ih)
        if scale >= 2:  # whole multiples keep enlarged pixels square and sharp
            scale = float(int(scale))
        tw, th = iw * scale, ih * scale
        return QRectF((w - tw) / 2, (h - th) / 2, tw, th)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.image.isNull():
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        rect = self.target_rect()
        # Nearest pixels for whole-number enlargements; smooth filtering otherwise.
        ratio = rect.width() / self.image.width()
        smooth = ratio < 1 or abs(ratio - round(ratio)) > 1e-6
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(rect, self.image)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.double_clicked.emit()


class SampleGrid(QWidget):
    """The grid of fixed-seed samples plus a caption saying which step it shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ImageView(placeholder="Samples from fixed seeds appear here once training starts.")
        self.view.setToolTip("The same seeds at every update. Double-click to enlarge.")
        self.caption = QLabel(" ")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.caption)
        self.updates = 0
        self.view.double_clicked.connect(self.enlarge)
        self._dialog: QDialog | None = None

    @property
    def image(self) -> QImage:
        return self.view.image

    def set_image(self, image: QImage, caption: str) -> None:
        self.view.set_image(image)
        self.caption.setText(caption)
        self.updates += 1
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.findChild(ImageView).set_image(image)
            self._dialog.setWindowTitle(f"Samples — {caption}")

    def clear(self) -> None:
        self.view.set_image(QImage())
        self.caption.setText(" ")

    def enlarge(self) -> None:
        if self.image.isNull():
            return
        if self._dialog is None:
            self._dialog = QDialog(self.window())
            self._dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
            big = ImageView()
            lay = QVBoxLayout(self._dialog)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(big)
            self._dialog.resize(900, 900)
        self._dialog.findChild(ImageView).set_image(self.image)
        self._dialog.setWindowTitle(f"Samples — {self.caption.text()}")
        self._dialog.show()
        self._dialog.raise_()
