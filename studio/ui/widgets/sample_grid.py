"""The live fixed-seed sample grid: draws the newest QImage scaled to fit (crisp pixels when enlarged),
with a caption; double-click opens it large in its own window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from studio.ui.widgets.image_view import ImageView


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
