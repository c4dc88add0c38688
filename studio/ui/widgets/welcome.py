"""The first view when no project is open: the three steps (folder → train → explore), what this
computer can do (device and measured training speed), open a folder or a run, try the demo data, or
pick a recent item."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.training.estimate import images

STEPS = (
    ("1", "Choose a folder",
     "Images of one kind of thing — faces, flowers, letters, textures, your drawings. "
     "A few hundred is a good start; no images yet? Try the demo data."),
    ("2", "Train",
     "Watch the same samples sharpen and the curves settle. Pause or stop whenever you like: "
     "a run can always be continued later."),
    ("3", "Explore",
     "Move between images on a canvas, mix styles, walk in loops, and export PNGs, grids and animations."),
)


def _step_card(number: str, title: str, text: str) -> QFrame:
    card = QFrame()
    card.setFrameShape(QFrame.Shape.StyledPanel)
    num = QLabel(number)
    f = QFont(num.font())
    f.setPointSizeF(f.pointSizeF() * 2.0)
    f.setBold(True)
    num.setFont(f)
    num.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
    num.setMinimumWidth(28)
    head = QLabel(f"<b>{title}</b>")
    body = QLabel(text)
    body.setWordWrap(True)
    body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)  # cards of unequal text line up
    column = QVBoxLayout()
    column.addWidget(head)
    column.addWidget(body, 1)
    row = QHBoxLayout(card)
    row.addWidget(num)
    row.addLayout(column, 1)
    return card


def speed_sentence(device: str, model_label: str, size: str, images_per_second: float,
                   kimg_10_minutes: float) -> str:
    """"On this CPU (…), the Quick style-based model at 64 px trains about N images/s — a 10-minute run shows it about
    36k images." `size` is the picture's ("64 px", or "48×32 px" for a 3:2 form)."""
    cpu = re.fullmatch(r"CPU: (.+) \((\d+) threads?\)", device)  # core.speed_probe.device_label's form
    if cpu:
        where = f"On this CPU ({cpu.group(1)}, {cpu.group(2)} threads)"
    elif device.startswith("CPU"):
        where = f"On this {device}"
    else:
        where = f"On {device}"
    rate = f"{images_per_second:,.0f}" if images_per_second >= 10 else f"{images_per_second:.1f}"
    return (f"{where}, the {model_label} model at {size} trains about <b>{rate} images/s</b> — "
            f"a 10-minute run shows it about <b>{images(kimg_10_minutes)}</b>.")


class WelcomeView(QWidget):
    open_folder_requested = Signal()
    open_run_requested = Signal()
    demo_requested = Signal()
    guide_requested = Signal()
    recent_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("GAN Studio")
        f = QFont(title.font())
        f.setPointSizeF(f.pointSizeF() * 2.2)
        f.setBold(True)
        title.setFont(f)
        subtitle = QLabel("Train a GAN on your own images and watch it learn. "
                          "Open a folder of images (or drop one on this window) to begin.")
        subtitle.setWordWrap(True)

        steps = QHBoxLayout()
        for number, head, text in STEPS:
            steps.addWidget(_step_card(number, head, text), 1)

        self.open_button = QPushButton("Open image folder…")
        self.open_button.setToolTip("Choose a folder of PNG, JPEG, WebP, BMP, GIF or TIFF images (Ctrl+O)")
        self.open_button.setDefault(True)
        self.run_button = QPushButton("Open run…")
        self.run_button.setToolTip("Open a run folder to resume it, look at its snapshots, or follow it live")
        self.demo_button = QPushButton("Try the demo data")
        self.demo_button.setToolTip("512 abstract 64 px pictures drawn by the studio itself: no download")
        self.guide_button = QPushButton("Read the guide")
        self.guide_button.setToolTip("A short guide to the three steps, the tabs and the shortcuts (F1)")
        for b in (self.open_button, self.run_button, self.demo_button, self.guide_button):
            b.setMinimumHeight(36)
        self.open_button.clicked.connect(self.open_folder_requested)
        self.run_button.clicked.connect(self.open_run_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        self.guide_button.clicked.connect(self.guide_requested)

        # What to expect on this computer: filled in once torch has loaded and the speed is known.
        self.device_note = QLabel("Detecting the compute device…")
        self.device_note.setWordWrap(True)
        self.device_note.setTextFormat(Qt.TextFormat.RichText)
        self.speed_note = QLabel()
        self.speed_note.setWordWrap(True)
        self.speed_note.setTextFormat(Qt.TextFormat.RichText)
        self.speed_note.hide()

        self.recent = QListWidget()
        self.recent.setMinimumHeight(120)
        self.recent.setToolTip("Folders and runs you opened recently: double-click or press Enter to open one")
        self.recent.itemActivated.connect(lambda item: self.recent_selected.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.recent_title = QLabel("Recent")
        rf = QFont(self.recent_title.font())
        rf.setBold(True)
        self.recent_title.setFont(rf)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.guide_button)

        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(12)
        column.addLayout(steps)
        column.addSpacing(12)
        column.addLayout(buttons)
        column.addSpacing(8)
        column.addWidget(self.device_note)
        column.addWidget(self.speed_note)
        column.addSpacing(12)
        column.addWidget(self.recent_title)
        column.addWidget(self.recent, 2)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 4)
        outer.addStretch(1)

    # ------------------------------------------------------------------ this computer
    def set_device(self, name: str, gpu: bool) -> None:
        advice = ("A GPU: the Style-based model at 64–256 px is the one to try."
                  if gpu else
                  "No GPU found: the Quick style-based model at 32–64 px shows results within minutes, and "
                  "its pictures can be style-mixed; larger images and the Style-based model want a GPU.")
        self.device_note.setText(f"Device: <b>{name}</b>. {advice}")

    def set_measuring(self, what: str) -> None:
        self.speed_note.setText(f"Measuring how fast {what} trains (a few seconds)…")
        self.speed_note.setEnabled(False)
        self.speed_note.show()

    def set_speed(self, device: str, model_label: str, size: str, images_per_second: float,
                  kimg_10_minutes: float) -> None:
        self.speed_note.setText(speed_sentence(device, model_label, size, images_per_second, kimg_10_minutes))
        self.speed_note.setEnabled(True)
        self.speed_note.show()

    def set_speed_failed(self, text: str) -> None:
        self.speed_note.setText(f"The training speed could not be measured: {text}")
        self.speed_note.setEnabled(True)
        self.speed_note.show()

    # ------------------------------------------------------------------ recent items
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
