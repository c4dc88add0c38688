"""Qt's own file dialog (where the desktop offers none) opens wide enough to show its columns whole: it cut
the Size column to "22....KiB" (issue 27, seen under Xvfb)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QTreeView, QWidget

from studio.ui.base import file_dialogs
from tests.conftest import HANG_GUARD_MS


def test_the_open_dialog_shows_whole_sizes_and_dates(qtbot, tmp_path: Path):
    for i in range(3):
        (tmp_path / f"a picture with a rather long name {i}.png").write_bytes(bytes(22_600 + i * 100))
    (tmp_path / "step-00000548.safetensors").write_bytes(bytes(1000))
    file_dialogs.install(QApplication.instance())
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    seen: dict = {}

    def look() -> None:
        dlg = QApplication.activeModalWidget()
        tree = dlg.findChild(QTreeView, "treeView") if isinstance(dlg, QFileDialog) else None
        model = tree.model() if tree is not None else None
        if tree is None or model.rowCount(tree.rootIndex()) < 4:
            if time.monotonic() > deadline:  # never hang inside the dialog's own event loop
                seen.update(cut=["the file list never filled"], size=(0, 0))
                if isinstance(dlg, QFileDialog):
                    dlg.reject()
                return
            QTimer.singleShot(50, look)
            return
        header = tree.header()
        seen["cut"] = [(header.model().headerData(c, header.orientation()), header.sectionSize(c),
                        tree.sizeHintForColumn(c)) for c in (1, 2, 3) if header.sectionSize(c) < tree.sizeHintForColumn(c)]
        seen["size"] = dlg.size().toTuple()
        dlg.reject()

    deadline = time.monotonic() + HANG_GUARD_MS / 1000
    QTimer.singleShot(0, look)
    QFileDialog.getOpenFileName(parent, "Open", str(tmp_path), "Checkpoints and pictures (*.safetensors *.png)")
    qtbot.waitUntil(lambda: "size" in seen, timeout=HANG_GUARD_MS)
    assert seen["cut"] == [], f"columns cut (name, width, needed): {seen['cut']}"
    screen = QApplication.primaryScreen().availableGeometry()
    assert seen["size"][0] >= min(800, screen.width() - 40) and seen["size"][1] >= min(500, screen.height() - 40)
