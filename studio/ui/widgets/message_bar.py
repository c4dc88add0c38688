"""An in-window message strip for errors, warnings and notices: readable, dismissable, never modal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

COLOURS = {"error": "#d1495b", "warning": "#e6a100", "info": "#2a9d8f"}


class MessageBar(QFrame):
    """Shows one message at a time; `history` keeps every (level, text) shown, newest last."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[tuple[str, str]] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.icon)
        lay.addWidget(self.label, 1)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    @property
    def level(self) -> str:
        return self.history[-1][0] if self.history else ""

    def show_message(self, level: str, text: str) -> None:
        self.history.append((level, text))
        colour = QColor(COLOURS.get(level, COLOURS["info"]))
        pal = QPalette(QApplication.palette())
        base = pal.color(QPalette.ColorRole.Window)
        # A tint of the level's colour over the window colour keeps text readable in both palettes.
        mix = QColor(
            int(base.red() * 0.8 + colour.red() * 0.2),
            int(base.green() * 0.8 + colour.green() * 0.2),
            int(base.blue() * 0.8 + colour.blue() * 0.2),
        )
        pal.setColor(QPalette.ColorRole.Window, mix)
        self.setPalette(pal)
        self.icon.setText({"error": "⛔", "warning": "⚠", "info": "ℹ"}.get(level, "ℹ"))
        self.label.setText(text)
        self.show()
