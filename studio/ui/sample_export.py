"""Saving the sample grid on screen as a PNG through the core's Exporter: written to a temporary,
fsynced, then given the name (or name-2.png...: an export never overwrites), in the window's one export
folder (the last one used, else "GAN Studio" in the Pictures folder). The file dialog's three PNG types are
the background choice: as trained, transparent (the run's background colour taken out around each cell's
subject, core/alpha.py), or transparent wherever that colour shows; transparent is preselected when the
training folder had see-through pictures. A transparent grid's black frame and gaps are clear."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from studio.ui.views import WindowStatus
from studio.ui.widgets.sample_grid import SampleGrid
from studio.ui.widgets.train_panel import TrainPanel

if TYPE_CHECKING:
    from studio.ui.project_controller import ProjectController

AS_TRAINED = "PNG image on the trained background {colour} (*.png)"
TRANSPARENT = "PNG image with a transparent background (*.png)"
EVERYWHERE = "PNG image, transparent wherever {colour} shows (*.png)"


def save_grid(image: QImage, path: Path, transparent: bool = False, background: str = "#ffffff",
              region: str = "edges") -> Path:
    """Save `image` as `path` (".png" added when missing), with `background` taken out as alpha when
    `transparent` (around each subject: "edges", or "everywhere"); returns the name written. StudioError when
    it cannot be encoded or written."""
    from studio.core.errors import StudioError
    from studio.core.export import Exporter

    if path.suffix.lower() != ".png":
        path = path.with_suffix(".png")
    if transparent:
        from studio.core.alpha import live_grid
        from studio.core.data.settings import parse_color
        from studio.ui.base.qimage import from_qimage

        rgba = live_grid(from_qimage(image), parse_color(background), region)
        return Exporter(path.parent).save_png(rgba, path.name)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise StudioError("The samples could not be encoded as PNG.")
    return Exporter(path.parent).save_bytes(bytes(buffer.data()), path.name)


class SampleExport:
    """Ctrl+E for the sample `grid`: the open project (`projects`) and the training `panel` say its
    background; `folder()` is the window's export folder and `set_folder(folder)` changes it; `status`
    says what happened; dialogs open over `parent`."""

    def __init__(self, parent: QWidget, grid: SampleGrid, panel: TrainPanel, projects: ProjectController,
                 status: WindowStatus, folder: Callable[[], str], set_folder: Callable[[str], None]) -> None:
        self.parent, self.grid, self.panel, self.projects, self.status = parent, grid, panel, projects, status
        self.folder, self.set_folder = folder, set_folder

    def trained_background(self) -> tuple[str, bool]:
        """The open run's or folder's background colour, and whether its pictures had see-through pixels."""
        from studio.core.formats.run import RunDir

        colour = self.panel.background.text().strip() or "#ffffff"
        report = getattr(self.projects.dataset, "report", None)
        seen = bool(getattr(report, "transparent", 0))
        project = self.projects.project
        if not seen and project is not None and project.run is not None:
            seen = RunDir(project.run).trained_on_transparent()
        return colour, seen

    def file_dialog(self) -> QFileDialog:
        """The Save dialog of Ctrl+E, its PNG type preselected (transparent when the folder had transparency)."""
        colour, seen = self.trained_background()
        as_trained = AS_TRAINED.format(colour=colour)
        folder = Path(self.folder())
        try:  # the dialog shows the folder itself, not home with "Pictures/GAN Studio/samples.png" typed in
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # an unwritable place: the dialog starts where it can, and the export says why it failed
        dlg = QFileDialog(self.parent, "Export samples", str(folder))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        # No "replace?" question: exports never overwrite, an existing name gets a number.
        dlg.setOption(QFileDialog.Option.DontConfirmOverwrite)
        dlg.setNameFilters([as_trained, TRANSPARENT, EVERYWHERE.format(colour=colour)])
        dlg.selectNameFilter(TRANSPARENT if seen else as_trained)
        dlg.selectFile(str(folder / "samples.png"))
        return dlg

    def choose_and_export(self) -> None:
        """Ctrl+E: ask where to save the grid, starting in the export folder."""
        if self.grid.image.isNull():
            self.status.say("info", "There are no samples to export yet.")
            return
        dlg = self.file_dialog()
        if dlg.exec() and dlg.selectedFiles():
            chosen = dlg.selectedNameFilter()
            everywhere = chosen == EVERYWHERE.format(colour=self.trained_background()[0])
            self.export_grid(Path(dlg.selectedFiles()[0]), chosen == TRANSPARENT or everywhere,
                             "everywhere" if everywhere else "edges")
        dlg.deleteLater()

    def export_grid(self, path: Path, transparent: bool = False, region: str = "edges") -> bool:
        """The grid on screen as `path`; a full or unwritable disk is a message. Its folder is the next export's."""
        from studio.core.errors import StudioError

        try:
            colour, _ = self.trained_background()
            saved = save_grid(self.grid.image, path, transparent, colour, region)
        except StudioError as e:
            self.status.say("error", str(e))
            return False
        self.status.note(f"Saved {saved}", 5000)
        self.set_folder(str(saved.parent))
        return True
