"""The training panel's picture shape: the aspect (square, landscape, portrait) and the size. A square
offers its side ("64 px"); any other shape offers the sizes its networks make, each once, by their width ×
height ("48×32", from core.shape.canvas_sizes), so what is chosen is exactly what trains. Each entry's value
is its long side, what `TrainConfig.resolution` and `studio train --resolution` mean."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel

from studio.core.errors import StudioError
from studio.core.shape import ASPECTS, CanvasShape, canvas_shape, canvas_sizes, parse_aspect
from studio.core.training.suggest import ENLARGED_FROM
from studio.ui.widgets.form_values import combo, select

# Square first, then each landscape beside its portrait.
SHAPE_ORDER = ("1:1", "3:2", "2:3", "16:9", "9:16", "4:3", "3:4")
DEFAULT_SCALE = 64  # the 64 px square, and every shape's size from the same networks


def aspect_label(aspect: str) -> str:
    """'Square 1:1', 'Landscape 3:2', 'Portrait 9:16'."""
    ratio = parse_aspect(aspect)
    return "Square 1:1" if ratio == 1 else f"{'Landscape' if ratio > 1 else 'Portrait'} {aspect}"


def size_label(shape: CanvasShape) -> str:
    """A size's entry in the list: '64 px' for a square, '48×32' otherwise."""
    return shape.px if shape.is_square else f"{shape.width}×{shape.height}"


ASPECT_CHOICES = tuple((aspect_label(a), a) for a in sorted(
    ASPECTS, key=lambda a: SHAPE_ORDER.index(a) if a in SHAPE_ORDER else len(SHAPE_ORDER)))


class ShapeFields:
    """The aspect and size combo boxes and the size label; the panel places and reads them."""

    def __init__(self) -> None:
        self.aspect: QComboBox = combo(ASPECT_CHOICES)
        self.aspect.setToolTip("The shape of the pictures the GAN learns to make: square, landscape or portrait. "
                               "Opening a folder suggests the shape most of its images have; images of another "
                               "shape are cropped or padded to it (Advanced)")
        self.resolution: QComboBox = combo(())
        self._sizes: tuple[CanvasShape, ...] = ()
        self._offer_sizes()
        self.resolution.setToolTip("The size of the pictures the GAN learns to make, in pixels (width × height for "
                                   "a landscape or portrait): the sizes the networks can grow for this shape. "
                                   "Larger is slower: each doubling costs roughly 4× the time per image")
        self.size = QLabel()
        self.size.setToolTip("The size of the pictures this run makes, width × height")
        self.row = QHBoxLayout()
        self.row.addWidget(self.resolution, 1)
        self.row.addWidget(self.size, 1)
        # From 128 px up, a CPU run's pictures come out better when the generator learns them at half the size
        # and every picture is enlarged ×2 with Lanczos (core/training/suggest.cpu_enlarge, `studio train` on a CPU).
        self.enlarge = QCheckBox("Train at half the size, enlarge ×2")
        self.enlarge.setChecked(True)
        self.enlarge.setToolTip(
            "The generator learns the pictures at half this size, four times faster per picture, and every picture "
            "it makes is enlarged ×2 with Lanczos when shown and exported. On a CPU this gives better large "
            "pictures in the same minutes: on an emoji folder at 128 px after 30 CPU-minutes, pictures made this way "
            "measured five times closer to the folder than a textbook GAN's; trained at 128 px directly, only a "
            "little closer. Untick to train at the full size: on a GPU, or for a run of many hours")
        self.aspect.currentIndexChanged.connect(lambda _i: self._offer_sizes())
        self.aspect.currentIndexChanged.connect(self.show_size)
        self.resolution.currentIndexChanged.connect(self.show_size)
        self.show_size()

    def _offer_sizes(self) -> None:
        """List the aspect's sizes, keeping the networks' scale of the size chosen before (64 px square ->
        96×64 at 3:2); the list's own signal stays quiet, the aspect's change announces both."""
        aspect = self.aspect.currentData() or "1:1"
        sizes = canvas_sizes(aspect)
        if sizes == self._sizes:
            return
        before = self.canvas()
        scale = before.scale if before is not None else DEFAULT_SCALE
        quiet = self.resolution.blockSignals(True)  # as it was: a caller may have quietened it
        self.resolution.clear()
        for shape in sizes:
            self.resolution.addItem(size_label(shape), shape.long_side)
        self._sizes = sizes
        self.resolution.setCurrentIndex(min(range(len(sizes)), key=lambda i: abs(sizes[i].scale - scale)))
        self.resolution.blockSignals(quiet)

    def canvas(self) -> CanvasShape | None:
        """The picture's shape the fields ask for (None if the core cannot make it)."""
        i = self.resolution.currentIndex()
        return self._sizes[i] if 0 <= i < len(self._sizes) else None

    def show_size(self) -> None:
        shape = self.canvas()
        self.size.setText(f"{shape.width}×{shape.height} px" if shape is not None else "—")
        self.enlarge.setHidden(shape is None or shape.long_side < ENLARGED_FROM)

    def enlargement(self) -> int:
        """2 where the box is offered (this size) and ticked: the generator trains at half the size; else 1."""
        return 2 if not self.enlarge.isHidden() and self.enlarge.isChecked() else 1

    def select_canvas(self, shape: CanvasShape) -> None:
        """Choose the aspect and the size that make `shape` (a run's, a checkpoint's or a suggestion's
        picture); a size the list does not offer chooses the nearest that it does."""
        select(self.aspect, shape.aspect)
        self._offer_sizes()  # also when the aspect's signals are blocked
        i = min(range(len(self._sizes)), key=lambda k: (self._sizes[k] != shape,
                                                        abs(self._sizes[k].long_side - shape.long_side)))
        self.resolution.setCurrentIndex(i)
        self.show_size()

    def select_resolution(self, aspect: str, resolution: int) -> None:
        """Choose what `TrainConfig(aspect=…, resolution=…)` makes (a size the networks cannot make: the
        nearest listed)."""
        try:
            self.select_canvas(canvas_shape(aspect or "1:1", int(resolution)))
        except (StudioError, TypeError, ValueError):
            select(self.resolution, resolution)
