"""Scroll areas that keep the window's minimum size small: a page asks for no more room than a scroll
area does, so a tab with many controls scrolls instead of growing the window past the screen (or, where
the window cannot grow, squeezing its controls until they overlap)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QFrame, QScrollArea, QSlider, QTabWidget, QWidget

# Controls a mouse wheel would change: in a scrolling column they let the wheel scroll the column unless
# they have the keyboard focus (a click or Tab). The wheel passing over the training settings used to turn
# "Smoothness penalty (R1)" from Auto to 2.000 without a word (issue 15 session 4, under Xvfb).
WHEEL_CONTROLS = (QAbstractSpinBox, QComboBox, QSlider)


class PageScroll(QScrollArea):
    """A tab page that scrolls both ways once the window is smaller than the page's minimum size; above
    that the page fills it, as it would without the scroll area."""

    def __init__(self, page: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(page)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(120, 120)


class ColumnScroll(QScrollArea):
    """A column of form rows that scrolls vertically and never horizontally: it is never narrower than
    its content's minimum width (plus the scroll bar), so no combo box or button is cut at its end."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        self._guarded: set[int] = set()
        self._guard_wheel()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth(), 80)

    def _guard_wheel(self) -> None:
        """Every wheel-driven control in the column: focus by click or Tab only, and the wheel scrolls the
        column unless the control has the focus (see WHEEL_CONTROLS)."""
        content = self.widget()
        if content is None:
            return
        for control in content.findChildren(QWidget):
            if isinstance(control, WHEEL_CONTROLS) and id(control) not in self._guarded:
                self._guarded.add(id(control))
                control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                control.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # e.g. "Advanced" unfolded wider rows: the column widens with them
            self._guard_wheel()  # controls added since
        elif (event.type() == QEvent.Type.Wheel and isinstance(watched, WHEEL_CONTROLS)
              and not watched.hasFocus()):
            QCoreApplication.sendEvent(self.verticalScrollBar(), event)  # the column scrolls instead
            return True
        return super().eventFilter(watched, event)


class PageTabs(QTabWidget):
    """Tabs whose pages scroll (PageScroll) unless they are scroll areas already; `widget`, `currentWidget`,
    `indexOf` and `setCurrentWidget` speak of the pages, not of their scroll areas."""

    def addTab(self, page: QWidget, label: str) -> int:  # noqa: N802 - Qt's name
        return super().addTab(page if isinstance(page, QScrollArea) else PageScroll(page), label)

    @staticmethod
    def _page(holder: QWidget | None) -> QWidget | None:
        return holder.widget() if isinstance(holder, PageScroll) else holder

    def widget(self, index: int) -> QWidget | None:
        return self._page(super().widget(index))

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - Qt's name
        return self._page(super().currentWidget())

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        for i in range(self.count()):
            if self.widget(i) is page:
                return i
        return -1

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - Qt's name
        i = self.indexOf(page)
        if i >= 0:
            self.setCurrentIndex(i)
