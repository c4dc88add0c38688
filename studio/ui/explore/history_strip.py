"""A strip of thumbnails: the images visited (history) or the favourites; clicking one brings it back."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

ROLE = Qt.ItemDataRole.UserRole


class ThumbnailStrip(QListWidget):
    chosen = Signal(object)  # the Recipe of the clicked thumbnail

    def __init__(self, parent: QWidget | None = None, limit: int = 60, thumb: int = 56) -> None:
        super().__init__(parent)
        self.limit = limit
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(thumb, thumb))
        self.setFixedHeight(thumb + 34)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMovement(QListView.Movement.Static)
        self.itemClicked.connect(lambda item: self.chosen.emit(item.data(ROLE)))

    def add(self, image: QImage, recipe: object, label: str = "") -> None:
        if self.count() and self.item(self.count() - 1).data(ROLE) == recipe:
            return
        icon = QIcon(QPixmap.fromImage(image.scaled(self.iconSize(), Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.FastTransformation)))
        item = QListWidgetItem(icon, label)
        item.setData(ROLE, recipe)
        self.addItem(item)
        while self.count() > self.limit:
            self.takeItem(0)
        self.scrollToBottom()

    def recipes(self) -> list:
        return [self.item(i).data(ROLE) for i in range(self.count())]
