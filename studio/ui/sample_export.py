"""Saving the sample grid on screen as a PNG through the core's Exporter: written to a temporary,
fsynced, then given the name (or name-2.png...: an export never overwrites), in the window's one export
folder (the last one used, else "GAN Studio" in the Pictures folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMainWindow


def save_grid(image: QImage, path: Path) -> Path:
    """Save `image` as `path` (".png" added when missing); returns the name written. StudioError when it
    cannot be encoded or written."""
    from studio.core.errors import StudioError
    from studio.core.export import Exporter

    if path.suffix.lower() != ".png":
        path = path.with_suffix(".png")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise StudioError("The samples could not be encoded as PNG.")
    return Exporter(path.parent).save_bytes(bytes(buffer.data()), path.name)


def choose_and_export(w: QMainWindow) -> None:
    """Ctrl+E: ask where to save the MainWindow `w`'s grid, starting in its export folder."""
    if w.grid.image.isNull():
        w.show_message("info", "There are no samples to export yet.")
        return
    # No "replace?" question: exports never overwrite, an existing name gets a number.
    path, _ = QFileDialog.getSaveFileName(w, "Export samples", str(Path(w.export_folder()) / "samples.png"),
                                          "PNG image (*.png)", options=QFileDialog.Option.DontConfirmOverwrite)
    if path:
        export_grid(w, Path(path))


def export_grid(w: QMainWindow, path: Path) -> bool:
    """The grid on screen as `path`; a full or unwritable disk is a message. Its folder is the next export's."""
    from studio.core.errors import StudioError

    try:
        saved = save_grid(w.grid.image, path)
    except StudioError as e:
        w.show_message("error", str(e))
        return False
    w.statusBar().showMessage(f"Saved {saved}", 5000)
    w.set_export_folder(str(saved.parent))
    return True
