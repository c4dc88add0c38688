"""Fine-tuning in the training panel: "Start from an existing run…", what that run is (model,
resolution, width, step) and how many of its discriminator blocks stay frozen (FreezeD)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget

if TYPE_CHECKING:  # the core's plain description of the source; no tensors
    from studio.core.training.finetune import SourceRun


class SourceRunBox(QWidget):
    choose_requested = Signal()
    changed = Signal()  # a source was chosen or cleared

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: SourceRun | None = None
        self.choose_button = QPushButton("Start from an existing run…")
        self.choose_button.setToolTip("Fine-tune: begin with another run's trained networks (its latest "
                                      "checkpoint) and train them on this folder")
        self.choose_button.clicked.connect(self.choose_requested)
        self.clear_button = QToolButton()
        self.clear_button.setText("✕")
        self.clear_button.setToolTip("Train from scratch instead")
        self.clear_button.clicked.connect(lambda: self.set_source(None))
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setToolTip("The run this training starts from")
        self.freeze = QSpinBox()
        self.freeze.setRange(0, 0)
        self.freeze.setSpecialValueText("none")
        self.freeze.setToolTip("Keep the first discriminator blocks (from the image inwards) as the source "
                               "trained them (FreezeD): helps with a few hundred images")
        self.freeze_label = QLabel("Freeze D blocks")
        self.freeze_label.setToolTip(self.freeze.toolTip())

        top = QHBoxLayout()
        top.addWidget(self.choose_button, 1)
        top.addWidget(self.clear_button)
        freeze_row = QHBoxLayout()
        freeze_row.addWidget(self.freeze_label)
        freeze_row.addWidget(self.freeze)
        freeze_row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.description)
        lay.addLayout(freeze_row)
        self.set_source(None)

    def set_source(self, source: SourceRun | None) -> None:
        self.source = source
        self.clear_button.setVisible(source is not None)
        self.description.setVisible(source is not None)
        self.description.setText(f"From {source.describe()}" if source is not None else "")
        blocks = source.discriminator_blocks if source is not None else 0
        self.freeze.setRange(0, blocks)
        self.freeze.setValue(0)
        for w in (self.freeze, self.freeze_label):
            w.setEnabled(source is not None)
        self.changed.emit()

    def record(self) -> dict | None:
        """What the new run's TrainConfig.init_from gets."""
        return self.source.record() if self.source is not None else None

    def freeze_d(self) -> int:
        return self.freeze.value() if self.source is not None else 0
