"""The Explore tools (canvas on a narrow page, directions, style mixer, noise, atlas, inpainting): a row of
buttons over their pages that wraps onto a second row where the column is narrow, so that every tool stays
in view; a tab bar hid the last ones behind scroll arrows at 1024 px. It keeps QTabWidget's names for what
the tab and its tests use."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QSizePolicy, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from studio.ui.widgets.flow_layout import FlowLayout


class ToolTabs(QWidget):
    currentChanged = Signal(int)  # noqa: N815 - QTabWidget's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QWidget()
        self.bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.flow = FlowLayout(self.bar, spacing=2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.buttonClicked.connect(lambda b: self.setCurrentIndex(self._buttons.index(b)))
        self._buttons: list[QToolButton] = []
        self.pages = QStackedWidget()
        self.pages.setFrameShape(QFrame.Shape.StyledPanel)
        self.pages.currentChanged.connect(self._on_current)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.bar)
        lay.addWidget(self.pages, 1)

    # ------------------------------------------------------------------ QTabWidget's names
    def addTab(self, page: QWidget, text: str) -> int:  # noqa: N802
        return self.insertTab(self.count(), page, text)

    def insertTab(self, index: int, page: QWidget, text: str) -> int:  # noqa: N802
        index = max(0, min(index, self.count()))
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolTip(page.toolTip() or text)
        self.group.addButton(button)
        self._buttons.insert(index, button)
        self.flow.insertWidget(index, button)
        current = self.pages.currentWidget()
        self.pages.insertWidget(index, page)
        if current is None:
            self.pages.setCurrentIndex(index)
        self._check()
        return index

    def removeTab(self, index: int) -> None:  # noqa: N802
        if not 0 <= index < self.count():
            return
        button = self._buttons.pop(index)
        self.group.removeButton(button)
        self.flow.removeWidget(button)
        button.hide()
        button.deleteLater()
        self.pages.removeWidget(self.pages.widget(index))
        self._check()

    def count(self) -> int:
        return self.pages.count()

    def widget(self, index: int) -> QWidget | None:
        return self.pages.widget(index)

    def indexOf(self, page: QWidget) -> int:  # noqa: N802
        return self.pages.indexOf(page)

    def tabText(self, index: int) -> str:  # noqa: N802
        return self._buttons[index].text() if 0 <= index < self.count() else ""

    def currentIndex(self) -> int:  # noqa: N802
        return self.pages.currentIndex()

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.pages.currentWidget()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        self.pages.setCurrentIndex(index)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802
        self.pages.setCurrentWidget(page)

    def buttons(self) -> list[QToolButton]:
        return list(self._buttons)

    # ------------------------------------------------------------------
    def _on_current(self, index: int) -> None:
        self._check()
        self.currentChanged.emit(index)

    def _check(self) -> None:
        index = self.pages.currentIndex()
        for i, button in enumerate(self._buttons):
            button.setChecked(i == index)
