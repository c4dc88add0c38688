"""Sliders along the main ways the pictures vary (the top principal directions of the latents w), and the
layers they act on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

SLIDERS = 8
STEPS = 10  # slider units per standard deviation


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class DirectionsPanel(QWidget):
    changed = Signal(object, object)  # tuple of (k, amount), layer range (start, stop) or None
    committed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups: dict[str, tuple[int, int]] = {}
        self.layers = QComboBox(toolTip="Which layers the directions move: coarse = pose/shape, fine = colour/detail")
        self.layers.addItem("all layers", None)
        self.layers.currentIndexChanged.connect(lambda _: self._emit(True))
        form = QFormLayout()
        self.sliders: list[QSlider] = []
        self.labels: list[QLabel] = []
        for k in range(SLIDERS):
            s = QSlider(Qt.Orientation.Horizontal, minimum=-5 * STEPS, maximum=5 * STEPS, value=0)
            s.setToolTip(f"The {ordinal(k + 1)} main way the pictures vary (principal direction {k} of the "
                         "latents): how far to move along it, in standard deviations")
            lab = QLabel("0.0")
            lab.setMinimumWidth(32)
            s.valueChanged.connect(lambda v, lab=lab: (lab.setText(f"{v / STEPS:+.1f}"), self._emit(False)))
            s.sliderReleased.connect(lambda: self._emit(True))
            row = QHBoxLayout()
            row.addWidget(s, 1)
            row.addWidget(lab)
            form.addRow(f"{k + 1}", row)
            self.sliders.append(s)
            self.labels.append(lab)
        reset = QPushButton("Reset", toolTip="Set every direction back to 0")
        reset.clicked.connect(self.reset)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layers"))
        top.addWidget(self.layers, 1)
        top.addWidget(reset)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        intro = QLabel(f"The {SLIDERS} main ways the pictures vary, strongest first:")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addStretch(1)

    def set_model(self, num_ws: int, groups: dict[str, tuple[int, int]]) -> None:
        self.layers.blockSignals(True)
        self.layers.clear()
        self.layers.addItem("all layers", None)
        for name, (a, b) in groups.items():
            if b > a:
                self.layers.addItem(f"{name} ({a}-{b - 1})", (a, b))
        self.layers.blockSignals(False)
        self.reset(emit=False)

    def moves(self) -> tuple[tuple[int, float], ...]:
        return tuple((k, s.value() / STEPS) for k, s in enumerate(self.sliders) if s.value())

    def layer_range(self) -> tuple[int, int] | None:
        return self.layers.currentData()

    def reset(self, emit: bool = True) -> None:
        for s in self.sliders:
            s.blockSignals(True)
            s.setValue(0)
            s.blockSignals(False)
        for lab in self.labels:
            lab.setText("0.0")
        if emit:
            self._emit(True)

    def set_values(self, moves: tuple[tuple[int, float], ...], layers: tuple[int, int] | None) -> None:
        """Show a state (after undo/redo) without emitting."""
        values = dict(moves)
        for k, (s, lab) in enumerate(zip(self.sliders, self.labels, strict=True)):
            s.blockSignals(True)
            s.setValue(round(values.get(k, 0.0) * STEPS))
            s.blockSignals(False)
            lab.setText(f"{values.get(k, 0.0):+.1f}")
        i = self.layers.findData(layers)
        self.layers.blockSignals(True)
        self.layers.setCurrentIndex(max(0, i))
        self.layers.blockSignals(False)

    def _emit(self, commit: bool) -> None:
        (self.committed if commit else self.changed).emit(self.moves(), self.layer_range())
