"""The style-mix grid with its seeds named around it: each column's seed above it, each row's to its left, in
margins of the view and never on the pictures (the grid image itself carries no labels)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from studio.ui.widgets.image_view import ImageView

PAD = 6  # between a label and the pictures


class MixView(ImageView):
    def __init__(self, parent: QWidget | None = None, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.row_labels: list[str] = []
        self.col_labels: list[str] = []
        self._cell = (1, 1, 0)  # a cell's width, height and the gap between cells, in image pixels

    def set_grid(self, image: QImage, row_labels: list[str], col_labels: list[str], cell_w: int, cell_h: int,
                 gap: int) -> None:
        """The grid's first row and column are the seeds' own pictures: labels go beside those."""
        self.row_labels, self.col_labels = list(row_labels), list(col_labels)
        self._cell = (cell_w, cell_h, gap)
        self.set_image(image)

    def clear_grid(self) -> None:
        self.row_labels, self.col_labels = [], []
        self.set_image(QImage())

    def _margins(self) -> tuple[int, int]:
        if self.image.isNull() or not (self.row_labels or self.col_labels):
            return 0, 0
        fm = self.fontMetrics()
        left = max((fm.horizontalAdvance(t) for t in self.row_labels), default=0) + PAD
        top = fm.height() + PAD if self.col_labels else 0
        return left, top

    def image_area(self) -> QRectF:
        left, top = self._margins()
        return QRectF(self.rect()).adjusted(left, top, 0, 0)

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """Each label and where it is drawn (widget coordinates)."""
        rect = self.target_rect()
        if rect.isNull():
            return []
        scale = rect.width() / self.image.width()
        cw, ch, gap = self._cell
        fm = self.fontMetrics()
        out = []
        for j, text in enumerate(self.col_labels, start=1):
            x = rect.x() + j * (cw + gap) * scale
            out.append((text, QRectF(x, rect.y() - fm.height() - PAD / 2, cw * scale, fm.height())))
        left = self._margins()[0]
        for i, text in enumerate(self.row_labels, start=1):
            y = rect.y() + i * (ch + gap) * scale
            out.append((text, QRectF(rect.x() - left, y + (ch * scale - fm.height()) / 2, left - PAD / 2, fm.height())))
        return out

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        labels = self.label_rects()
        if not labels:
            return
        p = QPainter(self)
        p.setPen(self.palette().color(QPalette.ColorRole.Text))
        fm = self.fontMetrics()
        for i, (text, box) in enumerate(labels):
            column = i < len(self.col_labels)
            align = Qt.AlignmentFlag.AlignHCenter if column else Qt.AlignmentFlag.AlignRight
            shown = fm.elidedText(text, Qt.TextElideMode.ElideMiddle, int(box.width())) if column else text
            p.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, shown)
        p.end()
