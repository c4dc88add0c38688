"""An in-window message strip for errors, warnings and notices: readable, dismissable, never modal.

Messages stack rather than replace each other: a warning stays on screen until the artist dismisses it,
however many notices follow it (a health warning was once replaced at once by the notice about the
checkpoint kept because of it, so the artist never learnt what the problem was)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

COLOURS = {"error": "#d1495b", "warning": "#e6a100", "info": "#2a9d8f"}
# The style's own message-box icons: drawn on every system (the "⛔" character was an empty box under
# Xvfb's fonts, seen in session 4's screenshots).
ICONS = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical, "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
         "info": QStyle.StandardPixmap.SP_MessageBoxInformation}
MAX_SHOWN = 3  # rows on screen at once: the oldest notice goes first, then the oldest warning


class MessageRow(QFrame):
    """One message: icon, selectable text, a dismiss button."""

    def __init__(self, level: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = level
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
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
        self.icon = QLabel()
        side = self.fontMetrics().height()
        self.icon.setPixmap(self.style().standardIcon(ICONS.get(level, ICONS["info"])).pixmap(side, side))
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 4, 2)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    @property
    def text(self) -> str:
        return self.label.text()


class MessageBar(QWidget):
    """The messages on screen, newest last; `history` keeps every (level, text) ever shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[tuple[str, str]] = []
        self.rows: list[MessageRow] = []
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self.hide()

    @property
    def text(self) -> str:
        """Every message on screen, oldest first, one a line."""
        return "\n".join(r.text for r in self.rows)

    @property
    def level(self) -> str:
        return self.history[-1][0] if self.history else ""

    @property
    def levels(self) -> list[str]:
        return [r.level for r in self.rows]

    def show_message(self, level: str, text: str) -> None:
        self.history.append((level, text))
        for row in [r for r in self.rows if r.text == text]:
            self._remove(row)  # the same words again: moved to the bottom, not repeated
        while len(self.rows) >= MAX_SHOWN:
            notices = [r for r in self.rows if r.level == "info"]
            self._remove(notices[0] if notices else self.rows[0])
        row = MessageRow(level, text)
        row.close_button.clicked.connect(lambda _c=False, r=row: self._remove(r))
        self.rows.append(row)
        self._lay.addWidget(row)
        self.show()

    def dismiss_all(self) -> None:
        for row in list(self.rows):
            self._remove(row)

    def _remove(self, row: MessageRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            self._lay.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.setVisible(bool(self.rows))

    def hide(self) -> None:
        """Hiding the bar dismisses what it shows (what a new run or project does)."""
        for row in list(self.rows):
            self.rows.remove(row)
            self._lay.removeWidget(row)
            row.deleteLater()
        super().hide()
