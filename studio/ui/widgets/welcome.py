"""The first view when no project is open: open a folder or a run, try the demo data, or pick a recent item."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class WelcomeView(QWidget):
    open_folder_requested = Signal()
    open_run_requested = Signal()
    demo_requested = Signal()
    recent_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("GAN Studio")
        f = QFont(title.font())
        f.setPointSizeF(f.pointSizeF() * 2.2)
        f.setBold(True)
        title.setFont(f)
        subtitle = QLabel("Train a GAN on your own images and watch it learn.\n"
                          "Open a folder of images (or drop one on this window) to begin.")
        subtitle.setWordWrap(True)

        self.open_button = QPushButton("Open image folder…")
        self.open_button.setToolTip("Choose a folder of PNG, JPEG, WebP, BMP, GIF or TIFF images (Ctrl+O)")
        self.open_button.setDefault(True)
        self.run_button = QPushButton("Open run…")
        self.run_button.setToolTip("Open a run folder to resume it, look at its snapshots, or follow it live")
        self.demo_button = QPushButton("Try the demo data")
        self.demo_button.setToolTip("512 abstract 64 px pictures drawn by the studio itself: no download")
        for b in (self.open_button, self.run_button, self.demo_button):
            b.setMinimumHeight(36)
        self.open_button.clicked.connect(self.open_folder_requested)
        self.run_button.clicked.connect(self.open_run_requested)
        self.demo_button.clicked.connect(self.demo_requested)

        self.recent = QListWidget()
        self.recent.setMinimumHeight(140)
        self.recent.itemActivated.connect(lambda item: self.recent_selected.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.recent_title = QLabel("Recent")
        rf = QFont(self.recent_title.font())
        rf.setBold(True)
        self.recent_title.setFont(rf)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.demo_button)

        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(16)
        column.addLayout(buttons)
        column.addSpacing(16)
        column.addWidget(self.recent_title)
        column.addWidget(self.recent, 2)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)

    def set_recent(self, items: list[str]) -> None:
        self.recent.clear()
        for path in items:
            p = Path(path)
            kind = "run" if (p / "config.json").exists() else "folder"
            item = QListWidgetItem(f"{p.name or path}    ({kind}: {p.parent})")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            if not p.exists():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(item.text() + "  — missing")
            self.recent.addItem(item)
        self.recent_title.setVisible(bool(items))
        self.recent.setVisible(bool(items))
