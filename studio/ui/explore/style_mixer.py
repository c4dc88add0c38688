"""The style mixer: row seeds take the column seeds' styles on a layer range; click a cell to use it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from studio.core.errors import StudioError
from studio.core.explore.latents import parse_seeds
from studio.ui.explore.mix_view import MixView


class StyleMixer(QWidget):
    requested = Signal(object, object, str)  # row seeds, column seeds, layer range text
    cell_chosen = Signal(object)  # Recipe (final w embedded) of the clicked cell
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = QLineEdit("1,2,3", toolTip="Row seeds: the images that receive styles (e.g. 1,2,3 or 0-4; "
                                               "f1, f2… are your favourites)")
        self.cols = QLineEdit("10,11,12", toolTip="Column seeds: the images that give their styles (f1, f2… are "
                                                  "your favourites)")
        self.favourites: list = []
        self.layers = QComboBox(toolTip="Which layers come from the column seed")
        self.layers.setEditable(True)
        for name in ("coarse", "middle", "fine"):
            self.layers.addItem(name)
        self.view = MixView(placeholder="Open a style-based checkpoint to mix styles.", min_side=128, size_hint=320)
        self.view.clicked.connect(self._clicked)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.result = None
        for w in (self.rows, self.cols):
            w.editingFinished.connect(self.request)
        self.layers.currentTextChanged.connect(lambda _: self.request())
        # Two rows: in one, at 1024 px the seed fields were 48 px for "10,11,12" and the Layers box was
        # squeezed below its size.
        top = QGridLayout()
        top.addWidget(QLabel("Rows"), 0, 0)
        top.addWidget(self.rows, 0, 1)
        top.addWidget(QLabel("Columns"), 0, 2)
        top.addWidget(self.cols, 0, 3)
        top.addWidget(QLabel("Layers"), 1, 0)
        top.addWidget(self.layers, 1, 1, 1, 3, Qt.AlignmentFlag.AlignLeft)
        top.setColumnStretch(1, 1)
        top.setColumnStretch(3, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.info)
        self.enabled_for_model = True

    def set_model(self, groups: dict[str, tuple[int, int]], num_ws: int) -> None:
        self.enabled_for_model = bool(groups)
        self.layers.blockSignals(True)
        self.layers.clear()
        for name, (a, b) in groups.items():
            self.layers.addItem(name)
            self.layers.setItemData(self.layers.count() - 1, f"layers {a}-{b - 1}", Qt.ItemDataRole.ToolTipRole)
        self.layers.blockSignals(False)
        if not groups:
            self.view.clear_grid()
            self.view.placeholder = ("Style mixing needs the style-based model; this checkpoint is a DCGAN, which "
                                     "has one latent for all layers.")
            self.info.setText("")
        else:
            self.info.setText(f"Each row picture takes the column picture's style on some of the generator's {num_ws} "
                              "layers: coarse (pose, shape), middle (features), fine (colour, texture), or "
                              "a range such as 0-3.")

    def request(self) -> None:
        if not self.enabled_for_model:
            return
        try:
            rows, cols = self.parse(self.rows.text()), self.parse(self.cols.text())
        except StudioError as e:
            self.message.emit(str(e))
            return
        if len(rows) * len(cols) > 256:
            self.message.emit("The mixer shows at most 256 cells; use `studio mix` for larger grids.")
            return
        self.requested.emit(tuple(rows), tuple(cols), self.layers.currentText())

    def parse(self, text: str) -> list:
        """'1,5-7,f2' -> [1, 5, 6, 7, <favourite 2's recipe>]."""
        out: list = []
        for part in text.split(","):
            part = part.strip()
            if part.lower().startswith("f") and part[1:].isdigit():
                i = int(part[1:])
                if not 1 <= i <= len(self.favourites):
                    raise StudioError(f"There is no favourite {part}; you have {len(self.favourites)}.")
                out.append(self.favourites[i - 1])
            elif part:
                out.extend(parse_seeds(part))
        if not out:
            raise StudioError("Give at least one seed or favourite for the rows and for the columns.")
        return out

    def label(self, item) -> str:
        """A row or column of the grid by what the artist typed: "seed 12", or "f2" for a favourite."""
        if isinstance(item, int):
            return f"seed {item}"
        for i, favourite in enumerate(self.favourites, start=1):
            if favourite is item or favourite == item:
                return f"f{i}"
        return "favourite"

    def show_grid(self, image: QImage, result) -> None:
        self.result = result
        self.view.set_grid(image, [self.label(x) for x in result.row_items],
                           [self.label(x) for x in result.col_items],
                           result.cell_w, result.cell_h, result.gap)
        self.info.setText(f"Each row's picture takes its column's {self.layers.currentText()} style. "
                          "Click a cell to use it.")

    def _clicked(self, fx: float, fy: float) -> None:
        if self.result is None or self.view.image.isNull():
            return
        r = self.result
        col = int(fx * self.view.image.width() // (r.cell_w + r.gap))
        row = int(fy * self.view.image.height() // (r.cell_h + r.gap))
        idx = row * r.cols + col
        if 0 <= col < r.cols and 0 <= idx < len(r.cells) and r.cells[idx] is not None:
            self.cell_chosen.emit(r.cells[idx])
