"""Compare two checkpoints of a run side by side (the same seeds from each) and pick one to explore."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.widgets.compare_worker import render_checkpoints
from studio.ui.base.jobs import Job, start_job, stop_jobs
from studio.ui.widgets.image_view import ImageView


def parse_seed_text(text: str) -> list[int]:
    """'0-7' or '1,5,9' -> seeds; raises ValueError with a readable message."""
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(a), int(b)
            if hi < lo or hi - lo > 255:
                raise ValueError(f"'{part}' is not a range of at most 256 seeds")
            seeds.extend(range(lo, hi + 1))
        else:
            seeds.append(int(part))
    if not seeds:
        raise ValueError("give at least one seed, e.g. 0-7")
    return seeds


class SnapshotCompare(QWidget):
    """Two checkpoint pickers, a seeds field, and the two rendered grids; `explore_requested(path)`."""

    explore_requested = Signal(str)
    error = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checkpoints: list[tuple[int, str]] = []
        self.pickers = [QComboBox(), QComboBox()]
        self.views = [ImageView(placeholder="Choose a checkpoint and press Compare"),
                      ImageView(placeholder="Choose a checkpoint and press Compare")]
        self.explore_buttons = [QPushButton("Explore this one"), QPushButton("Explore this one")]
        for picker, button in zip(self.pickers, self.explore_buttons, strict=True):
            picker.setToolTip("A saved checkpoint of this run, by training step")
            button.setToolTip("Open this checkpoint in the Explore tab")
        self.seeds = QLineEdit("0-8")
        self.seeds.setToolTip("Seeds rendered from both checkpoints: '0-8' or '3,7,42'")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Render the same seeds from both checkpoints, side by side")
        self.compare_button.clicked.connect(self.compare)
        self.status = QLabel()
        self.status.setEnabled(False)
        self.worker: Job | None = None

        top = QHBoxLayout()
        top.addWidget(QLabel("Seeds"))
        top.addWidget(self.seeds)
        top.addWidget(self.compare_button)
        top.addWidget(self.status, 1)
        grid = QGridLayout()
        for i in range(2):
            grid.addWidget(self.pickers[i], 0, i)
            grid.addWidget(self.views[i], 1, i)
            grid.addWidget(self.explore_buttons[i], 2, i)
            self.explore_buttons[i].clicked.connect(lambda _c=False, k=i: self._explore(k))
            self.explore_buttons[i].setEnabled(False)
        grid.setRowStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid, 1)
        self.set_checkpoints([])

    def set_explore_available(self, available: bool) -> None:
        for b in self.explore_buttons:
            b.setVisible(available)

    def clear_views(self) -> None:
        for v in self.views:
            v.set_image(QImage())

    @property
    def is_empty(self) -> bool:
        return all(v.image.isNull() for v in self.views)

    def set_checkpoints(self, checkpoints: list[tuple[int, str]]) -> None:
        """(step, path) oldest first; picker A defaults to the oldest, B to the newest."""
        if checkpoints == self.checkpoints:
            return
        chosen = [p.currentData() for p in self.pickers]
        self.checkpoints = list(checkpoints)
        for k, picker in enumerate(self.pickers):
            picker.blockSignals(True)
            picker.clear()
            for step, path in self.checkpoints:
                picker.addItem(f"step {step} — {Path(path).name}", path)
            i = picker.findData(chosen[k]) if chosen[k] else -1
            picker.setCurrentIndex(i if i >= 0 else (0 if k == 0 else picker.count() - 1))
            picker.blockSignals(False)
        has = bool(self.checkpoints)
        self.compare_button.setEnabled(has)
        for b in self.explore_buttons:
            b.setEnabled(has)
        self.status.setText("" if has else "No checkpoints yet: they are saved while training and when it stops.")

    def compare(self) -> None:
        if self.worker is not None:
            return
        try:
            seeds = parse_seed_text(self.seeds.text())
        except ValueError as e:
            self.error.emit(f"Seeds: {e}.")
            return
        paths = [p.currentData() for p in self.pickers]
        if not all(paths):
            return
        self.status.setText("rendering…")
        self.compare_button.setEnabled(False)
        self.worker = start_job(self, render_checkpoints, paths, seeds, failure="Could not render the checkpoints")
        self.worker.progress.connect(lambda shown: self._on_rendered(*shown))
        self.worker.failed.connect(self.error)
        self.worker.finished.connect(self._on_done)

    def _on_rendered(self, index: int, image: QImage) -> None:
        self.views[index].set_image(image)
        self.views[index].setToolTip(self.pickers[index].currentText())

    def _on_done(self) -> None:
        self.worker = None
        self.compare_button.setEnabled(bool(self.checkpoints))
        self.status.setText("Only one checkpoint so far: both sides show it." if len(self.checkpoints) == 1 else "")

    def _explore(self, index: int) -> None:
        path = self.pickers[index].currentData()
        if path:
            self.explore_requested.emit(path)

    def shutdown(self) -> None:
        if self.worker is not None:
            stop_jobs([self.worker], 10_000)
