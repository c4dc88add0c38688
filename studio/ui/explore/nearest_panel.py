"""The memorisation check's answer: the training images nearest to the current image, with distances."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


class NearestPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Nearest training images: press the button to check whether the model copies.")
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(56, 56))
        self.list.setFixedHeight(100)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.list)

    def searching(self) -> None:
        self.list.clear()
        self.title.setText("Nearest training images: comparing with the training set (the first time reads "
                           "and indexes every image)…")

    def show_result(self, result) -> None:
        self.list.clear()
        for image, dist, index in result.matches:
            icon = QIcon(QPixmap.fromImage(image.scaled(self.list.iconSize(), Qt.AspectRatioMode.KeepAspectRatio)))
            item = QListWidgetItem(icon, f"#{index}  {dist:.3f}")
            item.setToolTip(f"training image {index}, distance {dist:.4f} ({result.kind} features)")
            self.list.addItem(item)
        near = result.matches[0][1] if result.matches else 1.0
        verdict = ("nearly identical to a training image — the model may be copying" if near < 0.02
                   else "not a copy of any training image")
        self.title.setText(f"Nearest training images ({result.kind} features): {verdict}.")
