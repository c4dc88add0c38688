"""The memorisation check's answer: the training images nearest to the current image, each under its file
name (the distance in its tooltip)."""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QWidget


def how_near(distance: float) -> str:
    return ("nearly the same picture" if distance < 0.02 else "close" if distance < 0.1
            else "somewhat alike" if distance < 0.3 else "not alike")


MIN_CELL, MAX_CELL, CELL_MARGIN = 92, 220, 12  # a picture's cell in the strip: its width, in px

IDLE = "Nearest training images: press the button to check whether the model copies."


class StripSentence(QLabel):
    """A sentence that wraps inside the strip's fixed height and asks no height for its width: a wrapped
    label's height-for-width made the scrolling Explore page its preferred height once the strip showed
    (1,081 px in a 625 px window at 1024 × 700, seen under Xvfb in session 4)."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return False


class NearestPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = StripSentence(IDLE)
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        # A picture and its file name (cut in its middle) in one row that needs no vertical scrolling
        # under Xvfb, where the row has 72 px beside the horizontal scroll bar.
        self.list.setIconSize(QSize(46, 46))
        self.list.setGridSize(QSize(MIN_CELL, 68))
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setWordWrap(False)
        self.list.setFixedHeight(90)  # as high as the history strip: the strip under the canvas keeps its height
        self.title.setMinimumWidth(160)
        self.title.setMaximumWidth(240)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.list)

    def clear(self) -> None:
        """Another model: the last one's matches say nothing about it."""
        self.list.clear()
        self.title.setText(IDLE)

    def searching(self) -> None:
        self.list.clear()
        self.title.setText("Nearest training images: comparing with the training set (the first time reads "
                           "and indexes every image)…")

    def show_result(self, result) -> None:
        self.list.clear()
        captions = [PurePath(m.name).name if m.name else f"image {m.index + 1}" for m in result.matches]
        # Each cell as wide as the longest file name needs (within reason; a longer one is cut in its middle,
        # whole in its tooltip): "1faf3-1f3fb.png" was cut to "1faf3-…fb.png" in a 92 px cell.
        widest = max((self.list.fontMetrics().horizontalAdvance(c) for c in captions), default=0)
        self.list.setGridSize(QSize(min(MAX_CELL, max(MIN_CELL, widest + CELL_MARGIN)), 68))
        for m, caption in zip(result.matches, captions, strict=True):
            icon = QIcon(QPixmap.fromImage(m.image.scaled(self.list.iconSize(), Qt.AspectRatioMode.KeepAspectRatio)))
            known = m.name or f"training image no. {m.index + 1}"
            item = QListWidgetItem(icon, caption)
            item.setToolTip(f"{known}\n{how_near(m.distance)} (distance {m.distance:.3f} in {result.kind} "
                            "features: 0 is the same picture)")
            self.list.addItem(item)
        near = result.matches[0].distance if result.matches else 1.0
        verdict = ("nearly identical to a training image — the model may be copying" if near < 0.02
                   else "not a copy of any training image")
        self.title.setText(f"Nearest training images: {verdict}.")
        self.title.setToolTip("Compared pixel by pixel" if result.kind == "pixels"
                              else "Compared by what the model's discriminator sees in each picture")
