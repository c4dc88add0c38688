"""The training panel's picture shape: the aspect (square, landscape, portrait), the resolution (the long
side) and, beside it, the size the networks will really make ("48×32 px", from core.shape)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from studio.core.errors import StudioError
from studio.core.shape import ASPECTS, CanvasShape, canvas_shape, parse_aspect
from studio.ui.widgets.form_values import combo, select

RESOLUTIONS = (16, 32, 64, 128, 256, 512, 1024)
# Square first, then each landscape beside its portrait.
SHAPE_ORDER = ("1:1", "3:2", "2:3", "16:9", "9:16", "4:3", "3:4")


def aspect_label(aspect: str) -> str:
    """'Square 1:1', 'Landscape 3:2', 'Portrait 9:16'."""
    ratio = parse_aspect(aspect)
    return "Square 1:1" if ratio == 1 else f"{'Landscape' if ratio > 1 else 'Portrait'} {aspect}"


ASPECT_CHOICES = tuple((aspect_label(a), a) for a in sorted(
    ASPECTS, key=lambda a: SHAPE_ORDER.index(a) if a in SHAPE_ORDER else len(SHAPE_ORDER)))


class ShapeFields:
    """The aspect and resolution combo boxes and the size label; the panel places and reads them."""

    def __init__(self) -> None:
        self.aspect: QComboBox = combo(ASPECT_CHOICES)
        self.aspect.setToolTip("The shape of the pictures the GAN learns to make: square, landscape or portrait. "
                               "Opening a folder suggests the shape most of its images have; images of another "
                               "shape are cropped or padded to it (Advanced)")
        self.resolution: QComboBox = combo(tuple((f"{r} px", r) for r in RESOLUTIONS))
        select(self.resolution, 64)
        self.resolution.setToolTip("The long side of the pictures the GAN learns to make (the size beside it is "
                                   "the picture's, in pixels). Larger is slower: each doubling costs roughly 4× "
                                   "the time per image")
        self.size = QLabel()
        self.size.setToolTip("The size of the pictures this run makes, width × height: the shape's nearest size "
                             "to the resolution that the networks can grow")
        self.row = QHBoxLayout()
        self.row.addWidget(self.resolution, 1)
        self.row.addWidget(self.size, 1)
        self.aspect.currentIndexChanged.connect(self.show_size)
        self.resolution.currentIndexChanged.connect(self.show_size)
        self.show_size()

    def canvas(self) -> CanvasShape | None:
        """The picture's shape the fields ask for (None if the core cannot make it)."""
        try:
            return canvas_shape(self.aspect.currentData() or "1:1", int(self.resolution.currentData()))
        except StudioError:
            return None

    def show_size(self) -> None:
        shape = self.canvas()
        self.size.setText(f"{shape.width}×{shape.height} px" if shape is not None else "—")

    def select_canvas(self, shape: CanvasShape) -> None:
        """Choose the aspect and the resolution that make `shape` (a run's or a checkpoint's picture)."""
        select(self.aspect, shape.aspect)
        aspect = self.aspect.currentData() or "1:1"
        makes = [r for r in RESOLUTIONS if canvas_shape(aspect, r) == shape]
        if makes:
            # Several make it (16 and 32 px both give 24×16): the first at least as long as the picture, so
            # that the form never reads "16 px → 24×16 px" for a run trained with --resolution 32.
            select(self.resolution, min(makes, key=lambda r: (r < shape.long_side, r)))
            return
        select(self.resolution, min(RESOLUTIONS, key=lambda r: abs(r - shape.long_side)))
