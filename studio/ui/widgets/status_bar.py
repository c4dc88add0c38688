"""The window's status bar: a temporary message that ends with "…" a gap before the permanent labels ("Device: …")
instead of running into them (Qt clips it 2 px before the first one, mid-letter), shortened again whenever the
room changes; `currentMessage()` is the whole message."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QStatusBar, QWidget

GAP = 16  # px between the message's end and the first permanent label
LEFT = 6  # where Qt starts drawing the message


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._message = ""
        self._permanent: list[QWidget] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 - Qt's name
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)
        widget.installEventFilter(self)  # a label that appears, moves or grows leaves the message less room

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        self._message = text
        self._timer.stop()
        if timeout > 0:
            self._timer.start(timeout)
        self._show()

    def clearMessage(self) -> None:  # noqa: N802 - Qt's name
        self._message = ""
        self._timer.stop()
        super().clearMessage()

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name
        return self._message

    def room(self) -> int:
        """The width the message may take: up to a gap before the leftmost visible permanent label."""
        lefts = [w.x() for w in self._permanent if w.isVisible()]
        right = min(lefts) - GAP if lefts else self.width() - 12
        return max(0, right - LEFT)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide):
            self._show()
        return False

    def _show(self) -> None:
        if self._message:
            super().showMessage(self.fontMetrics().elidedText(self._message, Qt.TextElideMode.ElideRight,
                                                              self.room()))
