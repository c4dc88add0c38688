"""Qt's own file dialog, used where the desktop offers none (a bare X server, some Linux desktops), at a size
that shows its columns whole: it opened at 632×408 px with its Size column cut to "22....KiB".

`install(app)` once: each Qt file dialog is fitted when it first takes the keyboard focus (it takes it as it
opens), so every `QFileDialog.get…` of the window is covered without a change where it is called. A native
dialog has no Qt widget to focus and is left alone; a column the artist widened (Qt remembers it) is kept."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, QSize
from PySide6.QtWidgets import QApplication, QFileDialog, QTreeView, QWidget

SIZE = QSize(860, 540)  # at most; less on a smaller screen
FITTED = "studio_fitted"  # the dialog's property once fitted
PADDING = 28  # a column's text margins and its sort arrow
NAME_MIN = 220  # the Name column takes what the others leave, at least this
TYPES = ("PNG image", "JSON document", "safetensors File", "Folder")  # what the Type column says of the studio's files


def install(app: QApplication) -> None:
    if not app.property(FITTED):
        app.setProperty(FITTED, True)
        app.focusChanged.connect(_focus_changed)


def _focus_changed(_old: QWidget | None, now: QWidget | None) -> None:
    window = now.window() if now is not None else None
    if isinstance(window, QFileDialog) and not window.property(FITTED):
        fit(window)


def fit(dialog: QFileDialog) -> None:
    """Enlarge `dialog` to SIZE (within its screen, its centre kept) and widen its Size, Type and Date columns
    to what they show of the studio's files; the Name column takes the rest."""
    dialog.setProperty(FITTED, True)
    screen = dialog.screen().availableGeometry()
    w = max(dialog.width(), min(SIZE.width(), screen.width() - 40))
    h = max(dialog.height(), min(SIZE.height(), screen.height() - 40))
    if (w, h) != (dialog.width(), dialog.height()):
        centre = dialog.geometry().center()
        dialog.resize(w, h)
        x = min(max(screen.left(), centre.x() - w // 2), screen.right() - w)
        y = min(max(screen.top(), centre.y() - h // 2), screen.bottom() - h)
        dialog.move(max(screen.left(), x), max(screen.top(), y))
    tree = dialog.findChild(QTreeView, "treeView")
    if tree is None:
        return
    header, metrics, locale = tree.header(), tree.fontMetrics(), QLocale()
    widest = {1: [locale.formattedDataSize(1023 * 1024 * 1024 + 1023 * 1024)],  # "1,023.9 MiB"
              2: TYPES,
              3: [locale.toString(QDateTime.fromString("2026-12-28T23:58:59", "yyyy-MM-ddTHH:mm:ss"),
                                  QLocale.FormatType.ShortFormat)]}
    for column, texts in widest.items():
        need = max(metrics.horizontalAdvance(t) for t in texts) + PADDING
        if column < header.count() and header.sectionSize(column) < need:
            header.resizeSection(column, need)
    rest = sum(header.sectionSize(c) for c in range(1, header.count()))
    header.resizeSection(0, max(NAME_MIN, tree.viewport().width() - rest))
