"""Form helpers: combo boxes of (text, value) items, and the values of a form's fields (combo boxes, spin boxes, check boxes, line edits), taken and put back:
how the training panel returns to its defaults when another folder is opened."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

FIELDS = (QComboBox, QSpinBox, QDoubleSpinBox, QCheckBox, QLineEdit)


def combo(items: tuple[tuple[str, object], ...]) -> QComboBox:
    """A combo box of (text, value) items that never widens its column for a long entry (the popup still
    shows each in full)."""
    c = QComboBox()
    c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(8)
    for text, value in items:
        c.addItem(text, value)
    return c


def select(box: QComboBox, value: object) -> None:
    """Choose the item whose value is `value` (nothing changes when there is none)."""
    i = box.findData(value)
    if i >= 0:
        box.setCurrentIndex(i)


def fields(form: QWidget, keep: tuple[QWidget, ...] = ()) -> list[QWidget]:
    """The form's own fields (not the editors inside spin boxes and combo boxes), less those in `keep`."""
    return [w for w in form.findChildren(QWidget) if isinstance(w, FIELDS)
            and not w.objectName().startswith("qt_") and w not in keep]


def take(widgets: list[QWidget]) -> list[tuple[QWidget, object]]:
    values: list[tuple[QWidget, object]] = []
    for w in widgets:
        if isinstance(w, QComboBox):
            values.append((w, w.currentIndex()))
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            values.append((w, w.value()))
        elif isinstance(w, QCheckBox):
            values.append((w, w.isChecked()))
        elif isinstance(w, QLineEdit):
            values.append((w, w.text()))
    return values


def put(values: list[tuple[QWidget, object]]) -> None:
    for w, value in values:
        if isinstance(w, QComboBox):
            w.setCurrentIndex(int(value))
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QLineEdit):
            w.setText(str(value))
