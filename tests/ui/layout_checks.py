"""Geometry checks for a shown window: what an artist would see as a broken layout, found from widget
geometry alone (offscreen is enough). Each function returns a list of problems in words, empty when fine.

- every visible control is at least as large as its minimum (a squeezed control overlaps or is cut);
- every visible widget lies inside its parent, and outside scroll areas inside the window;
- no two visible sibling widgets overlap;
- no label's text is wider than the label (cut text: "step 36" for "step 360"), and no wrapping label is
  lower than its wrapped text ("7 exact" for "7 exact duplicate(s) — they weigh more in training");
- no slider too short to set;
- no tab page that scrolls sideways (its right-hand controls hidden until one scrolls);
- no tab bar with tabs behind its scroll arrows;
- the window asks for no more than the size it was given.
"""

from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QSlider,
    QTabBar,
    QTabWidget,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QSlider, QProgressBar, QLabel)


def name(w: QWidget) -> str:
    bits = []
    while w is not None and len(bits) < 4:
        label = w.objectName() or type(w).__name__
        text = w.text() if hasattr(w, "text") and callable(w.text) and isinstance(w, (QLabel, QAbstractButton)) else ""
        bits.append(f"{label}({text[:20]!r})" if text else label)
        w = w.parentWidget()
    return " < ".join(bits)


def _folded(w: QWidget) -> bool:
    """Inside a folded-away part (a collapsed QCollapsible gives its content no height): not on screen."""
    p = w.parentWidget()
    while p is not None:
        if QWidget.size(p).isEmpty():  # (QWidget.size: TrainPanel.width is a spin box)
            return True
        p = p.parentWidget()
    return False


def _qt_internal(w: QWidget) -> bool:
    """Parts of a Qt control (a spin box's editor, a tab bar's scroll arrows): Qt lays them out itself."""
    return w.objectName().startswith("qt_") or isinstance(w.parentWidget(), QTabBar)


def _visible_widgets(root: QWidget) -> list[QWidget]:
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or w.window() is not root or _folded(w) or _qt_internal(w):
            continue
        out.append(w)
    return out


def _in_item_view(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractItemView):
            return True
        p = p.parentWidget()
    return False


def _scrolled(w: QWidget) -> bool:
    """Whether `w` is inside a scroll area's viewport (it may legitimately lie outside what is shown)."""
    p = w.parentWidget()
    while p is not None:
        q = p.parentWidget()
        if isinstance(q, QAbstractScrollArea) and p is q.viewport():
            return True
        p = q
    return False


def _effective_minimum(w: QWidget) -> tuple[int, int]:
    """What a layout guarantees the widget (Qt's qSmartMinSize): the explicit minimum, else the hint,
    nothing in a direction whose policy ignores the hint."""
    hint, explicit, policy = w.minimumSizeHint(), w.minimumSize(), w.sizePolicy()

    def one(h: int, e: int, p: QSizePolicy.Policy) -> int:
        if e > 0:
            return e
        if p == QSizePolicy.Policy.Ignored:
            return 0
        return max(0, h)

    return (one(hint.width(), explicit.width(), policy.horizontalPolicy()),
            one(hint.height(), explicit.height(), policy.verticalPolicy()))


def squeezed_controls(root: QWidget) -> list[str]:
    problems = []
    for w in _visible_widgets(root):
        if not isinstance(w, CONTROLS) or _in_item_view(w):
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or not w.text()):
            continue  # a wrapping label trades width for height
        mw, mh = _effective_minimum(w)
        if w.width() < mw or w.height() < mh:
            problems.append(f"{name(w)} is {w.width()}×{w.height()}, below its minimum {mw}×{mh}")
    return problems


MIN_SLIDER = 60  # px: shorter, a slider cannot be set (a 35 px ψ slider jumped 0.05 a pixel)


def short_sliders(root: QWidget) -> list[str]:
    problems = []
    for w in _visible_widgets(root):
        if isinstance(w, QSlider):
            length = w.width() if w.orientation() == Qt.Orientation.Horizontal else w.height()
            if length < MIN_SLIDER:
                problems.append(f"{name(w)} is {length} px long, too short to set (< {MIN_SLIDER})")
    return problems


def cut_text(root: QWidget) -> list[str]:
    problems = []
    for w in _visible_widgets(root):
        if _in_item_view(w):
            continue
        if isinstance(w, QLabel) and w.wordWrap() and w.text():
            need_h = w.heightForWidth(w.width())  # a wrapping label needs this height at its width
            if need_h > w.height() + 1:
                problems.append(f"{name(w)} needs {need_h} px of height for its wrapped text but has {w.height()}")
        elif isinstance(w, QLabel) and not w.wordWrap() and w.text() and "<" not in w.text():
            need = max(w.fontMetrics().horizontalAdvance(line) for line in w.text().splitlines() or [""])
            room = w.contentsRect().width() - 2 * w.margin() - w.indent() if w.indent() > 0 else \
                w.contentsRect().width() - 2 * w.margin()
            if need > room + 1:
                problems.append(f"{name(w)} needs {need} px for its text but has {room}")
        elif isinstance(w, QProgressBar) and w.isTextVisible() and w.text():
            need = w.fontMetrics().horizontalAdvance(w.text()) + 8
            if need > w.width():
                problems.append(f"{name(w)} needs {need} px for {w.text()!r} but is {w.width()} wide")
    return problems


def outside_parent(root: QWidget) -> list[str]:
    problems = []
    window_rect = root.rect()
    for w in _visible_widgets(root):
        p = w.parentWidget()
        if p is None or _in_item_view(w):
            continue
        scroll_parent = p.parentWidget()
        if isinstance(scroll_parent, QAbstractScrollArea) and p is scroll_parent.viewport():
            continue  # a scroll area's content: larger than the viewport by design
        if not p.rect().adjusted(-1, -1, 1, 1).contains(w.geometry()):
            problems.append(f"{name(w)} at {_r(w.geometry())} lies outside its parent {_r(p.rect())}")
        elif not _scrolled(w):
            at = QRect(w.mapTo(root, w.rect().topLeft()), w.size())
            if not window_rect.adjusted(-1, -1, 1, 1).contains(at):
                problems.append(f"{name(w)} at {_r(at)} lies outside the window {_r(window_rect)}")
    return problems


def overlapping_siblings(root: QWidget) -> list[str]:
    problems = []
    parents: dict[int, list[QWidget]] = {}
    for w in _visible_widgets(root):
        if w.parentWidget() is not None and not _in_item_view(w):
            parents.setdefault(id(w.parentWidget()), []).append(w)
    for siblings in parents.values():
        for a, b in combinations(siblings, 2):
            if a.geometry().intersects(b.geometry()):
                problems.append(f"{name(a)} {_r(a.geometry())} overlaps {name(b)} {_r(b.geometry())}")
    return problems


def sideways_pages(root: QWidget) -> list[str]:
    """Tab pages wider than their room: the window's pages scroll rather than grow the window, but a page
    that needs sideways scrolling hides its right-hand side (Explore needed 1,068 px at 1024 × 700)."""
    problems = []
    for w in _visible_widgets(root):
        holder = w.parentWidget()  # a tab page lies in its QTabWidget's QStackedWidget
        page = isinstance(holder, QStackedWidget) and isinstance(holder.parentWidget(), QTabWidget)
        if page and isinstance(w, QScrollArea) and w.horizontalScrollBar().maximum() > 0:
            page = w.widget()
            problems.append(f"{name(page)} needs {page.minimumSizeHint().width()} px of width but has "
                            f"{w.viewport().width()}: it scrolls sideways")
    return problems


def hidden_tabs(root: QWidget) -> list[str]:
    """Tab bars too narrow for their tabs: Qt then shows scroll arrows and hides the last tabs (the Explore
    tools' Atlas and Inpaint at 1024 × 700)."""
    problems = []
    for bar in _visible_widgets(root):
        if isinstance(bar, QTabBar) and bar.count():
            hidden = [bar.tabText(i) for i in range(bar.count())
                      if bar.tabRect(i).left() < 0 or bar.tabRect(i).right() >= bar.width()]
            if hidden:
                problems.append(f"{name(bar)} ({bar.width()} px) hides its tabs {hidden} behind scroll arrows")
    return problems


def settle() -> None:
    """Let pending layout requests run (a label whose text just changed is resized on the next turn of
    the event loop, before it is painted)."""
    for _ in range(3):
        QApplication.processEvents()
        QApplication.sendPostedEvents()  # last: it runs no timers, so nothing changes after it


def all_problems(root: QWidget) -> list[str]:
    settle()
    return (squeezed_controls(root) + short_sliders(root) + cut_text(root) + outside_parent(root)
            + overlapping_siblings(root) + sideways_pages(root) + hidden_tabs(root))


def _r(r: QRect) -> str:
    return f"({r.x()},{r.y()} {r.width()}×{r.height()})"
