"""The Inpaint panel: open a picture, paint the hole with the mouse, fill it, compare before/after, save.

`MaskCanvas` is the painting surface (left button paints the hole, right button erases); the mask is a
Grayscale8 QImage of the picture's size, white = hole, handed to the core as a numpy array. The maths
(cropping, fitting, feathering) is all in studio.core.explore.inpaint, run by InpaintWorker.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.explore.inpaint import MAX_FEATHER, InpaintSettings
from studio.core.images import centre_window, fit_note
from studio.ui.widgets.image_view import ImageView
from studio.ui.explore.inpaint_worker import InpaintOutcome

HOLE_TINT = QColor(230, 40, 60, 150)
PICTURE_FILTER = "Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"


class MaskCanvas(QWidget):
    """Shows the picture with the painted hole tinted; drag to paint (left) or erase (right)."""

    mask_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QImage()
        self.mask = QImage()  # Grayscale8, the picture's size: 255 = hole
        self._tint = QImage()  # ARGB32 overlay painted with the same strokes (cheap to draw)
        self.brush = 12  # radius in screen pixels, so the brush feels the same at every zoom
        self._last: QPointF | None = None
        self._value = 255
        self.setMinimumSize(150, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.model_size: tuple[int, int] = (1, 1)  # (height, width) of the model's pictures: their shape
        self.setToolTip("Paint over the part to repair (left button); erase with the right button. "
                        "The dimmed border lies outside the part of the model's shape it sees.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, 320)

    def set_picture(self, picture: QImage) -> None:
        self.picture = picture.convertToFormat(QImage.Format.Format_ARGB32)
        self.mask = QImage(picture.size(), QImage.Format.Format_Grayscale8)
        self.mask.fill(0)
        self._tint = QImage(picture.size(), QImage.Format.Format_ARGB32_Premultiplied)
        self._tint.fill(Qt.GlobalColor.transparent)
        self.update()
        self.mask_changed.emit()

    def clear_mask(self) -> None:
        if not self.mask.isNull():
            self.mask.fill(0)
            self._tint.fill(Qt.GlobalColor.transparent)
            self.update()
            self.mask_changed.emit()

    def mask_array(self) -> np.ndarray:
        """The mask as uint8 (H, W), 255 = hole (a copy)."""
        m = self.mask
        h, w, bpl = m.height(), m.width(), m.bytesPerLine()
        return np.frombuffer(m.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, :w].copy()

    def has_hole(self) -> bool:
        return not self.mask.isNull() and bool(self.mask_array().any())

    # ---- geometry
    def target_rect(self) -> QRectF:
        if self.picture.isNull():
            return QRectF()
        iw, ih = self.picture.width(), self.picture.height()
        s = min(self.width() / iw, self.height() / ih)
        if s >= 2:
            s = float(int(s))  # whole-number zoom keeps pixels square
        return QRectF((self.width() - iw * s) / 2, (self.height() - ih * s) / 2, iw * s, ih * s)

    def to_picture(self, pos: QPointF) -> QPointF:
        r = self.target_rect()
        s = r.width() / self.picture.width()
        return QPointF((pos.x() - r.x()) / s, (pos.y() - r.y()) / s)

    def to_widget(self, x: float, y: float) -> QPointF:
        """Widget position of a picture position (for tests driving the mouse)."""
        r = self.target_rect()
        s = r.width() / self.picture.width()
        return QPointF(r.x() + x * s, r.y() + y * s)

    # ---- painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.picture.isNull():
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "Open a picture to repair, then paint over the damaged part.")
            p.end()
            return
        r = self.target_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, r.width() < self.picture.width())
        p.fillRect(r, QColor(255, 255, 255))  # transparent pictures are repaired on white, as the core reads them
        p.drawImage(r, self.picture)
        p.drawImage(r, self._tint)
        # The model sees the centred window of its own shape (core.images.centre_window): dim what lies outside.
        left, top, right, bottom = centre_window(self.picture.width(), self.picture.height(), self.model_size)
        sq = QRectF(self.to_widget(left, top), self.to_widget(right, bottom))
        dim = QColor(0, 0, 0, 110)
        for part in (QRectF(r.topLeft(), QPointF(r.right(), sq.top())), QRectF(QPointF(r.left(), sq.bottom()),
                     r.bottomRight()), QRectF(QPointF(r.left(), sq.top()), sq.bottomLeft()),
                     QRectF(sq.topRight(), QPointF(r.right(), sq.bottom()))):
            if part.width() > 0 and part.height() > 0:
                p.fillRect(part, dim)
        p.end()

    def _stroke(self, a: QPointF, b: QPointF) -> None:
        scale = self.target_rect().width() / self.picture.width()
        width = max(1.0, 2 * self.brush / scale)
        for image, colour, mode in (
                (self.mask, QColor(self._value, self._value, self._value), QPainter.CompositionMode.CompositionMode_Source),
                (self._tint, HOLE_TINT if self._value else QColor(0, 0, 0, 0),
                 QPainter.CompositionMode.CompositionMode_Source)):
            p = QPainter(image)
            p.setCompositionMode(mode)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # a mask is two-level: no grey rims
            p.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            if a == b:
                p.setBrush(colour)
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(a, width / 2, width / 2)
            else:
                p.drawLine(a, b)
            p.end()
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.picture.isNull() or event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._value = 255 if event.button() == Qt.MouseButton.LeftButton else 0
        self._last = self.to_picture(event.position())
        self._stroke(self._last, self._last)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._last is None:
            return
        pos = self.to_picture(event.position())
        self._stroke(self._last, pos)
        self._last = pos

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._last is not None:
            self._last = None
            self.mask_changed.emit()


class InpaintPanel(QWidget):
    """Open a picture, paint, fill; before and after side by side; save the repaired picture."""

    fill_requested = Signal(str, object, object)  # picture path, mask (uint8 H x W), InpaintSettings
    cancel_requested = Signal()
    save_requested = Signal()
    use_requested = Signal()  # put the fill's latent on the canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture_path: str | None = None
        self.outcome: InpaintOutcome | None = None
        self.open_button = QPushButton("Open picture…", toolTip="Choose the picture to repair")
        self.open_button.clicked.connect(self._browse)
        self.brush = QSlider(Qt.Orientation.Horizontal, minimum=2, maximum=60, value=12,
                             toolTip="Brush size (screen pixels)")
        self.clear = QPushButton("Clear mask", toolTip="Remove everything painted")
        self.steps = QSpinBox(minimum=1, maximum=5000, value=200, toolTip="Optimisation steps: more fit the "
                                                                          "known pixels closer")
        self.steps.setSuffix(" steps")
        self.seed = QSpinBox(maximum=2**31 - 1, toolTip="The starting latent: another seed gives another fill")
        self.seed.setPrefix("seed ")
        self.feather = QSpinBox(maximum=MAX_FEATHER, value=2, toolTip="Width of the blended seam around the "
                                                                      "hole, in the model's pixels")
        self.feather.setPrefix("feather ")
        self.fill = QPushButton("Fill the hole", toolTip="Fit the unpainted pixels and fill the painted part "
                                                         "from the generator")
        self.fill.setEnabled(False)
        self.cancel = QPushButton("Cancel", toolTip="Stop inpainting")
        self.cancel.setEnabled(False)
        self.progress = QProgressBar(toolTip="Optimisation steps done")
        self.progress.setVisible(False)
        self.canvas = MaskCanvas()
        self.before = ImageView(placeholder="Before", min_side=80)
        self.before.setToolTip("The picture as the model sees it (its resolution)")
        self.after = ImageView(placeholder="After", min_side=80)
        self.after.setToolTip("The repaired picture: the fill blended into the untouched pixels")
        self.save = QPushButton("Save…", toolTip="Save the repaired picture as a PNG (recipe, source SHA-256 "
                                                 "and mask embedded; never overwrites)")
        self.use = QPushButton("Use on canvas", toolTip="Put the fill's latent on the latent canvas")
        for b in (self.save, self.use):
            b.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.brush.valueChanged.connect(lambda v: setattr(self.canvas, "brush", v))
        self.clear.clicked.connect(self.canvas.clear_mask)
        self.canvas.mask_changed.connect(self._mask_changed)
        self.fill.clicked.connect(self.request_fill)
        self.cancel.clicked.connect(self.cancel_requested)
        self.save.clicked.connect(self.save_requested)
        self.use.clicked.connect(self.use_requested)

        row1 = QHBoxLayout()
        row1.addWidget(self.open_button)
        row1.addWidget(QLabel("Brush"))
        row1.addWidget(self.brush, 1)
        row1.addWidget(self.clear)
        # Short rows: the panel fits the tool column of a 1024 × 700 window (tests/ui/test_layout.py).
        row2 = QHBoxLayout()
        row2.addWidget(self.seed, 1)
        row2.addWidget(self.steps)
        row3 = QHBoxLayout()
        row3.addWidget(self.feather)
        row3.addWidget(self.fill)
        row3.addWidget(self.cancel)
        row3.addStretch(1)
        results = QGridLayout()
        results.addWidget(QLabel("Before"), 0, 0)
        results.addWidget(QLabel("After"), 0, 1)
        results.addWidget(self.before, 1, 0)
        results.addWidget(self.after, 1, 1)
        row4 = QHBoxLayout()
        row4.addWidget(self.save)
        row4.addWidget(self.use)
        row4.addWidget(self.progress, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(row1)
        lay.addWidget(self.canvas, 3)
        lay.addLayout(row2)
        lay.addLayout(row3)
        lay.addLayout(results, 2)
        lay.addLayout(row4)
        lay.addWidget(self.status)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Picture to repair", "", PICTURE_FILTER)
        if path:
            self.open_picture(path)

    def open_picture(self, path: str) -> bool:
        image = QImage(path)
        if image.isNull():
            self.status.setText(f"{path} is not a picture the studio can read.")
            return False
        self.picture_path = path
        self.canvas.set_picture(image)
        self.outcome = None
        self.after.set_image(QImage())
        self.before.set_image(QImage())
        for b in (self.save, self.use):
            b.setEnabled(False)
        note = self.fit_note()
        self.status.setText("Paint over the part to repair, then press Fill." + (
            f" The model sees part of it: {note} (the dimmed border is left out)." if note else ""))
        return True

    def set_model_size(self, height: int, width: int) -> None:
        """The open checkpoint's picture size: the canvas dims what of a picture of another shape it leaves out."""
        self.canvas.model_size = (height, width)
        self.canvas.update()

    def fit_note(self) -> str:
        """How the open picture is fitted to the model's shape ('' when it has that shape)."""
        pic = self.canvas.picture
        if pic.isNull() or self.canvas.model_size == (1, 1):
            return ""
        return fit_note(pic.width(), pic.height(), self.canvas.model_size)

    def _mask_changed(self) -> None:
        self.fill.setEnabled(self.picture_path is not None and self.canvas.has_hole() and not self.cancel.isEnabled())

    def settings(self) -> InpaintSettings:
        return InpaintSettings(steps=self.steps.value(), seed=self.seed.value(), feather=self.feather.value())

    def request_fill(self) -> None:
        if self.picture_path is None or not self.canvas.has_hole():
            self.status.setText("Open a picture and paint over the part to fill first.")
            return
        self.fill_requested.emit(self.picture_path, self.canvas.mask_array(), self.settings())

    def set_busy(self, busy: bool) -> None:
        self.cancel.setEnabled(busy)
        self.progress.setVisible(busy)
        self.open_button.setEnabled(not busy)
        if busy:
            self.progress.setValue(0)
            self.fill.setEnabled(False)
        else:
            self._mask_changed()

    def show_progress(self, step: int, steps: int, loss: float) -> None:
        self.progress.setMaximum(steps)
        self.progress.setValue(step)
        self.status.setText(f"Fitting the known pixels: step {step}/{steps}, loss {loss:.4f}")

    def show_outcome(self, outcome: InpaintOutcome) -> None:
        self.outcome = outcome
        self.before.set_image(outcome.before)
        self.after.set_image(outcome.after)
        for b in (self.save, self.use):
            b.setEnabled(True)
        self.status.setText(f"Filled {outcome.filled} pixels; loss on the known pixels {outcome.first_loss:.3f} → "
                            f"{outcome.last_loss:.3f}." + (f" Fitted: {outcome.note}." if outcome.note else ""))
