"""Controls under the canvas: seed field, truncation, random-walk play and speed, undo/redo, favourite, nearest."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget


class LatentControls(QWidget):
    add_pin = Signal(int)  # seed
    truncation_changed = Signal(float)
    truncation_committed = Signal(float)
    play_toggled = Signal(bool)
    speed_changed = Signal(float)  # loops per minute
    undo = Signal()
    redo = Signal()
    favourite = Signal()
    nearest = Signal()
    project = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seed = QSpinBox(maximum=2**31 - 1, toolTip="A seed: the same seed is the same image, always")
        self.seed.setPrefix("seed ")
        add = QPushButton("Add pin", toolTip="Put this seed on the canvas")
        add.clicked.connect(lambda: self.add_pin.emit(self.seed.value()))
        self.truncation = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=150, value=100)
        self.truncation.setToolTip("Truncation ψ: lower pulls every image towards the average one (cleaner, "
                                   "less varied); 1 is the model as trained")
        self.truncation.setMinimumWidth(120)  # 1.5 units over 150 px: a pixel is 0.01 of ψ
        self.truncation_label = QLabel("ψ 1.00")
        self.truncation.valueChanged.connect(self._psi)
        self.truncation.sliderReleased.connect(lambda: self.truncation_committed.emit(self.psi()))
        self.play = QPushButton("▶ Walk", checkable=True, toolTip="Play a smooth looping random walk")
        self.play.toggled.connect(self._play)
        self.speed = QSlider(Qt.Orientation.Horizontal, minimum=1, maximum=60, value=6)
        self.speed.setToolTip("Walk speed (loops per minute)")
        self.speed.setMinimumWidth(80)
        self.speed.valueChanged.connect(lambda v: self.speed_changed.emit(float(v)))
        self.undo_button = QPushButton("Undo", toolTip="Undo the last change to the canvas or the settings (Ctrl+Z)")
        self.redo_button = QPushButton("Redo", toolTip="Redo what was undone")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        fav = QPushButton("♥ Favourite", toolTip="Keep this image (saved with the run)")
        fav.clicked.connect(self.favourite)
        near = QPushButton("Nearest training images", toolTip="Does the model copy? Show the closest training images")
        near.clicked.connect(self.nearest)

        # Five short rows rather than three long ones: the canvas column stays narrow enough for a small screen
        # (studio/ui/explore/tab_layout.py puts it among the tool tabs when even that is too wide).
        row0 = QHBoxLayout()
        row0.addWidget(QLabel("Truncation"))
        row0.addWidget(self.truncation, 1)
        row0.addWidget(self.truncation_label)
        row1 = QHBoxLayout()
        row1.addWidget(self.seed, 1)
        row1.addWidget(add)
        row2 = QHBoxLayout()
        row2.addWidget(self.play)
        row2.addWidget(QLabel("speed"))
        row2.addWidget(self.speed, 1)
        proj = QPushButton("Project a picture…", toolTip="Find the point of the canvas's space (the latent) that "
                                                         "best reproduces your own picture, and put it on the canvas")
        proj.clicked.connect(self.project)
        self.project_button = proj
        row3 = QHBoxLayout()
        row3.addWidget(self.undo_button)
        row3.addWidget(self.redo_button)
        row3.addWidget(fav)
        row3.addStretch(1)
        row4 = QHBoxLayout()
        row4.addWidget(near)
        row4.addWidget(proj)
        row4.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for row in (row0, row1, row2, row3, row4):
            lay.addLayout(row)

    def psi(self) -> float:
        return self.truncation.value() / 100

    def set_psi(self, psi: float) -> None:
        self.truncation.blockSignals(True)
        self.truncation.setValue(round(psi * 100))
        self.truncation.blockSignals(False)
        self.truncation_label.setText(f"ψ {psi:.2f}")

    def _psi(self, value: int) -> None:
        self.truncation_label.setText(f"ψ {value / 100:.2f}")
        self.truncation_changed.emit(value / 100)

    def _play(self, on: bool) -> None:
        self.play.setText("■ Stop" if on else "▶ Walk")
        self.play_toggled.emit(on)

    def set_history(self, can_undo: bool, can_redo: bool) -> None:
        self.undo_button.setEnabled(can_undo)
        self.redo_button.setEnabled(can_redo)
