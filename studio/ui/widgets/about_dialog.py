"""Help → About: the app's version and what it runs on (Python, PyTorch, CUDA, device, Qt, PySide6,
pyqtgraph), with a button that copies it all for a bug report."""

from __future__ import annotations

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def about_rows() -> list[tuple[str, str]]:
    """Everything the dialog lists; importing torch here is fine (About is opened by hand)."""
    import PySide6
    import pyqtgraph
    import superqt

    from studio.core.versions import runtime_versions

    return runtime_versions() + [
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("pyqtgraph", pyqtgraph.__version__),
        ("superqt", getattr(superqt, "__version__", "?")),
    ]


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About GAN Studio")
        self.setMinimumWidth(460)  # room for a GPU's name on the CUDA line
        self.rows = about_rows()
        icon = QLabel()
        app_icon = QGuiApplication.windowIcon()
        if not app_icon.isNull():
            icon.setPixmap(app_icon.pixmap(64, 64))
        title = QLabel(f"<h2>GAN Studio {self.rows[0][1]}</h2>"
                       "<p>Train a GAN on your own images, watch it learn, explore it and export artworks.</p>")
        title.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(title, 1)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in self.rows:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[name] = label
            form.addRow(f"{name}:", label)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy these versions to the clipboard, e.g. for a bug report")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window")
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.rows)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
