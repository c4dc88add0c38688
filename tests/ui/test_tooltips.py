"""Every control an artist can see in the window explains itself: walk each view and tab (the
Explore tab with a real checkpoint open, the Advanced options unfolded) and the dialogs it opens,
and fail on any button, spin box, combo box, slider or text field that has no tooltip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QSlider,
    QTabBar,
    QTabWidget,
    QWidget,
)

from tests.core.test_explore import make_run
from tests.ui.conftest import open_tiny

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider, QLineEdit)


def _describe(w: QWidget) -> str:
    text = getattr(w, "currentText", None) or getattr(w, "text", None)
    label = text() if callable(text) else ""
    names = []
    p: QWidget | None = w
    while p is not None and len(names) < 4:
        names.append(type(p).__name__)
        p = p.parentWidget()
    return f"{type(w).__name__} {label!r} in {' < '.join(names[1:])} (objectName {w.objectName()!r})"


def untipped(root: QWidget) -> list[str]:
    """Visible controls under `root` without a tooltip (parts of other controls are not counted)."""
    missing = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisible():
            continue
        parent = w.parentWidget()
        # A spin box's or an editable combo's own line edit, a tab bar's scroll arrows: parts, not controls.
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QTabBar)):
            continue
        if not w.toolTip().strip():
            missing.append(_describe(w))
    return missing


def walk(root: QWidget) -> list[str]:
    """`untipped` on `root` and on every page of every tab widget inside it (each page shown in turn)."""
    missing = untipped(root)
    for tabs in root.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        current = tabs.currentIndex()
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            missing += walk(tabs.widget(i))
        tabs.setCurrentIndex(current)
    return missing


def test_every_visible_control_has_a_tooltip(qtbot, window, tiny_images: Path, tmp_path: Path):
    missing = untipped(window)  # the welcome view
    open_tiny(qtbot, window, tiny_images)
    window.views.train_panel.advanced.expand(animate=False)
    missing += walk(window.views.split)
    assert window.explore_tab is not None
    tab = window.explore_tab
    with qtbot.waitSignal(tab.checkpoint_opened, timeout=30_000):
        tab.open_checkpoint(str(make_run("style", tmp_path / "explore")))
    window.views.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.ui.view.image.isNull(), timeout=30_000)
    missing += walk(tab)
    # The windows the window opens: Export (Explore), Help → About, Help → Guide.
    tab.show_export()
    qtbot.waitExposed(tab.dialogs.export)
    missing += walk(tab.dialogs.export)
    tab.dialogs.export.close()
    window.show_about()
    qtbot.waitExposed(window.about_dialog)
    missing += walk(window.about_dialog)
    window.about_dialog.close()
    window.show_guide()
    qtbot.waitExposed(window._guide)
    missing += walk(window._guide)
    window._guide.close()
    assert not sorted(set(missing)), "controls without a tooltip:\n" + "\n".join(sorted(set(missing)))
