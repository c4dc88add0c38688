"""Noise controls: constant / seeded random / no noise, the noise seed, and noise on or off per layer."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from studio.core.models.registry import ARCHITECTURES

MODES = (("const", "Fixed (the model's own)"), ("random", "Seeded random"), ("none", "Off"))


class NoisePanel(QWidget):
    changed = Signal(str, int, object)  # mode, seed, per-layer switches (tuple of bool) or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox(toolTip="Per-pixel noise: fine detail such as hair and texture")
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.seed = QSpinBox(maximum=2**31 - 1, toolTip="The seed of the random noise: pins the image down fully")
        self.mode.currentIndexChanged.connect(self._emit)
        self.seed.valueChanged.connect(self._emit)
        self.boxes: list[QCheckBox] = []
        self.grid = QGridLayout()
        form = QFormLayout()
        form.addRow("Noise", self.mode)
        form.addRow("Noise seed", self.seed)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("Noise on layers (coarse → fine):"))
        lay.addLayout(self.grid)
        lay.addWidget(self.note)
        lay.addStretch(1)

    def set_model(self, layers: int, model: str = "") -> None:
        """`layers`: the open generator's noise inputs (the renderer finds them where the model's registry entry
        says it has them); `model`: its registry name, for the note when it has none."""
        for b in self.boxes:
            self.grid.removeWidget(b)
            b.deleteLater()
        self.boxes = []
        for i in range(layers):
            b = QCheckBox(str(i), checked=True, toolTip=f"Random detail (noise) in synthesis layer {i}: "
                          "low layers move shapes, high layers texture")
            b.toggled.connect(self._emit)
            self.grid.addWidget(b, i // 6, i % 6)
            self.boxes.append(b)
        which = f"The {ARCHITECTURES[model].label} model" if model in ARCHITECTURES else "This model"
        self.note.setText("" if layers else f"{which} has no noise inputs.")
        self.setEnabled(bool(layers))

    def set_values(self, mode: str, seed: int, layers: tuple[bool, ...] | None) -> None:
        """Show a state (after undo/redo) without emitting."""
        for w in (self.mode, self.seed, *self.boxes):
            w.blockSignals(True)
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        self.seed.setValue(seed)
        for i, b in enumerate(self.boxes):
            b.setChecked(True if layers is None or i >= len(layers) else layers[i])
        for w in (self.mode, self.seed, *self.boxes):
            w.blockSignals(False)
        self.seed.setEnabled(mode == "random")

    def _emit(self, *_args) -> None:
        switches = tuple(b.isChecked() for b in self.boxes)
        mode = self.mode.currentData()
        self.seed.setEnabled(mode == "random")
        self.changed.emit(mode, self.seed.value(), None if all(switches) else switches)
