"""The timelapse scrubber: a slider over the run's saved snapshots, and a button back to the live grid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class Timelapse(QWidget):
    """Emits `frame_selected(step, path)` while scrubbing and `live_selected()` to follow training again."""

    frame_selected = Signal(int, str)
    live_selected = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frames: list[tuple[int, str]] = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Scrub through the snapshots saved so far")
        self.slider.setMinimumWidth(120)  # long enough to find one snapshot among dozens
        self.slider.valueChanged.connect(self._on_value)
        self.label = QLabel("no snapshots yet")
        self.label.setMinimumWidth(150)
        self.live_button = QPushButton("Live")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.setToolTip("Show the newest samples as training goes on")
        self.live_button.clicked.connect(self._go_live)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Timelapse"))
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        lay.addWidget(self.live_button)

    @property
    def live(self) -> bool:
        return self.live_button.isChecked()

    def set_frames(self, frames: list[tuple[int, str]]) -> None:
        """All snapshots so far, oldest first; the slider keeps its place unless it was at the end."""
        at_end = self.slider.value() == self.slider.maximum()
        self.frames = list(frames)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.frames) - 1))
        if at_end or self.live:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(self.frames) > 0)
        self._update_label()

    def _on_value(self, index: int) -> None:
        if not self.frames:
            return
        self.live_button.setChecked(False)
        step, path = self.frames[index]
        self._update_label()
        self.frame_selected.emit(step, path)

    def _update_label(self) -> None:
        if not self.frames:
            self.label.setText("no snapshots yet")
            return
        i = self.slider.value()
        self.label.setText(f"snapshot {i + 1}/{len(self.frames)} · step {self.frames[i][0]}")

    def _go_live(self) -> None:
        self.live_button.setChecked(True)
        self.slider.blockSignals(True)
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self._update_label()
        self.live_selected.emit()
