"""The Export dialog: what (image, favourites grid, keyframe loop, random walk), size, format, where; progress."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError
from studio.core.explore.artwork import ArtworkRequest, Cancelled
from studio.core.export_formats import available_animations
from studio.ui.base.jobs import Job, JobControl, start_job, stop_jobs
from studio.ui.explore.export_memory import ExportChoices, ExportMemory
from studio.ui.explore.export_preview import GridPreview
from studio.ui.explore.upscale_sizes import UPSCALER_ROLE, size_choices
from studio.ui.widgets.image_view import ImageView

KIND_LABELS = {"image": "Current image (PNG)", "grid": "Favourites as a grid (PNG)",
               "keyframes": "Favourites as a looping animation", "walk": "Random-walk loop"}


def export_job(job: JobControl, checkpoint: str, request: ArtworkRequest) -> str:
    """One export with its own frozen generator copy, so the canvas stays live meanwhile; reports (done, of)."""
    from studio.core.explore.artwork import export_artwork
    from studio.core.explore.render import Renderer

    renderer = Renderer.open(checkpoint)
    try:
        return str(export_artwork(renderer, request, job.report, job.cancelled))
    except Cancelled:
        raise StudioError("Export cancelled; nothing was written.") from None


PREVIEW_SIDE = 160  # the preview's long side at most, in px


def preview_size(width: int, height: int, side: int = PREVIEW_SIDE) -> QSize:
    """The preview of a width × height picture: its shape, a whole-number enlargement (sharp pixels) within
    `side` px, or shrunk to `side` on its long side (a 48×32 picture: 144×96; a 16×24 one: 96×144)."""
    long = max(width, height, 1)
    scale = side // long if long <= side else side / long
    return QSize(max(1, round(width * scale)), max(1, round(height * scale)))


class ExportDialog(QDialog):
    exported = Signal(str)

    def __init__(self, checkpoint: str, recipe, favourites: list, folder: str, walk_seed: int = 0,
                 parent: QWidget | None = None, preview: QImage | None = None, background: str = "#ffffff",
                 transparent: bool = False, memory: ExportMemory | None = None, enlarge: int = 1) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.checkpoint, self.recipe, self.favourites, self.walk_seed = checkpoint, recipe, list(favourites), walk_seed
        self.memory = memory if memory is not None else ExportMemory()
        self.see_through = transparent  # the run was trained on see-through pictures
        self.enlarge = enlarge  # the run's own size is the generator's ×enlarge: never offered smaller first
        self.worker: Job | None = None
        self.kind = QComboBox(toolTip="This image, your favourites as a grid or as a looping animation, or a random-walk loop")
        for k, label in KIND_LABELS.items():
            self.kind.addItem(label, k)
        self.scale = QComboBox(toolTip="Native pixels, or enlarged 2× / 4×: with the upscale learned from your "
                                       "folder (Train upscaler…) or with Lanczos resampling")
        # What will be written, at its own shape (the current image; the favourites' grid, rendered off this
        # thread), and each size in pixels (a 24×16 run: ×2 is 48×32).
        self.picture = preview if preview is not None else QImage()
        self.preview = ImageView(placeholder="", min_side=64, size_hint=120)
        self.grid_preview = GridPreview(self, checkpoint, self.favourites)
        self.grid_preview.ready.connect(lambda _image: self._show_preview())
        self.grid_preview.failed.connect(self._preview_failed)
        pw, ph = (self.picture.width(), self.picture.height()) if not self.picture.isNull() else (0, 0)
        for text, scale, upscaler in size_choices(checkpoint, pw, ph):  # learned first, where there is one
            self.scale.addItem(text, scale)
            self.scale.setItemData(self.scale.count() - 1, upscaler, UPSCALER_ROLE)
        # The generator paints on the colour training laid transparent pictures on; "Transparent" takes that
        # colour back out as alpha (core/alpha.py): "around the subject" only the background connected to the
        # picture's edges (enclosed light colours, the white of an eye, stay opaque), or wherever it shows.
        # The default follows the training folder.
        self.background = QComboBox(toolTip=f"Keep the {background} background the model was trained on, or take "
                                            "that colour out as transparency (PNG images and grids)")
        self.background.addItem(f"As trained ({background})", None)
        self.background.addItem("Transparent around the subject", "edges")
        self.background.addItem(f"Transparent wherever {background} shows", "everywhere")
        self.png_background = 1 if transparent else 0  # the PNG choice, kept while an animation is chosen
        self.background.setCurrentIndex(self.png_background)
        self.fmt = QComboBox(toolTip="PNG keeps the recipe inside; GIF and WebP loop anywhere; MP4 needs imageio-ffmpeg")
        self.frames = QSpinBox(minimum=2, maximum=2000, value=60, toolTip="Number of frames in the animation")
        self.fps = QSpinBox(minimum=1, maximum=60, value=24, toolTip="Playback speed of the animation")
        self.folder = QLineEdit(folder, toolTip="Where the file is written")
        browse = QPushButton("…", toolTip="Choose the folder")
        browse.setFixedWidth(36)
        browse.clicked.connect(self._browse)
        self.name = QLineEdit("artwork", toolTip="File name; a number is added if it exists (nothing is overwritten)")
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("What", self.kind)
        form.addRow("Size", self.scale)
        form.addRow("Background", self.background)
        form.addRow("Format", self.fmt)
        form.addRow("Frames", self.frames)
        form.addRow("Frames per second", self.fps)
        form.addRow("Folder", folder_row)
        form.addRow("File name", self.name)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start)
        self.show_button = self.buttons.addButton("Show in folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.setToolTip("Open the folder of the file just saved")
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self.show_in_folder)
        self.saved: Path | None = None
        self.close_button.clicked.connect(self.reject)
        self.export_button.setToolTip("Write the file; you can keep exploring while it renders")
        self.close_button.setToolTip("Close this window")
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self._restore(self.memory.choices)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        for changed in (self.kind.currentIndexChanged, self.scale.currentIndexChanged,
                        self.background.currentIndexChanged, self.fmt.currentIndexChanged,
                        self.frames.valueChanged, self.fps.valueChanged):
            changed.connect(self._remember)

    def _restore(self, last: ExportChoices) -> None:
        """Open with the choices the artist last made (each only where this run offers it)."""
        self.kind.setCurrentIndex(max(0, self.kind.findData(last.kind)))
        scale = max(last.scale, self.enlarge)  # a CPU's 128 px run opens at 128 px, whatever a 32 px run chose
        sizes = [i for i in range(self.scale.count()) if self.scale.itemData(i) == scale]
        same = [i for i in sizes if self.scale.itemData(i, UPSCALER_ROLE) == last.upscaler]
        self.scale.setCurrentIndex((same or sizes or [0])[0])  # ×4 learned, or ×4 Lanczos where none was learned
        background = last.background(self.see_through)
        if background is not None:
            self.png_background = max(0, self.background.findData(background or None))
            self.background.setCurrentIndex(self.png_background)
        self.animation = last.animation
        self.frames.setValue(last.frames)
        self.fps.setValue(last.fps)

    def _remember(self) -> None:
        last = self.memory.choices
        if self.background.isEnabled():
            last = last.with_background(self.see_through, self.background.currentData() or "")
        if self.fmt.currentData() not in (None, ".png"):
            self.animation = self.fmt.currentData()
        self.memory.remember(dataclasses.replace(
            last, kind=self.kind.currentData(), scale=self.scale.currentData(),
            upscaler=self.scale.currentData(UPSCALER_ROLE) or "lanczos", animation=self.animation,
            frames=self.frames.value(), fps=self.fps.value()))

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        animated = kind in ("keyframes", "walk")
        self.fmt.blockSignals(True)  # refilled: the animation format chosen is kept in self.animation
        self.fmt.clear()
        if animated:
            for fmt in available_animations():
                self.fmt.addItem(fmt.label, fmt.suffix)
            self.fmt.setCurrentIndex(max(0, self.fmt.findData(self.animation)))
        else:
            self.fmt.addItem("PNG (recipe embedded)", ".png")
        self.fmt.blockSignals(False)
        self.frames.setEnabled(animated)
        self.fps.setEnabled(animated)
        # Animations keep the trained background (GIF has no partial transparency); the PNG choice is kept.
        if animated and self.background.isEnabled():
            self.png_background = self.background.currentIndex()
        self.background.setEnabled(not animated)
        self.background.setCurrentIndex(0 if animated else self.png_background)
        self._show_preview()

    def _show_preview(self) -> None:
        """The preview of what "What" writes: the current image, the favourites' grid (that a keyframe loop
        passes through, in order), or, for a random walk, its seed in words."""
        kind = self.kind.currentData()
        image, tip = self.picture, "The current image, at its shape"
        if kind in ("grid", "keyframes"):
            image = self.grid_preview.image() if self.favourites else QImage()
            tip = ("The favourites as the grid is laid out" if kind == "grid"
                   else "The favourites the loop passes through, in order")
            self.preview.placeholder = "Rendering…" if self.favourites else "No favourites yet (♥)"
        elif kind == "walk":
            image, tip = QImage(), "A loop that wanders from this seed and comes back"
            self.preview.placeholder = f"Random walk from seed {self.walk_seed}"
        self.preview.setToolTip(tip)
        self.preview.set_image(image)
        self.preview.setVisible(not image.isNull() or not self.picture.isNull())
        if image.isNull():
            base = self.picture if not self.picture.isNull() else None
            if base is not None:
                self.preview.setFixedSize(preview_size(base.width(), base.height()))
        else:
            self.preview.setFixedSize(preview_size(image.width(), image.height()))  # its shape, not a tall box
        # Each size in the pixels written: a grid's, once rendered (unknown meanwhile), or a picture's.
        written = image if kind == "grid" else self.picture
        self._name_sizes(written.width(), written.height())

    def _name_sizes(self, width: int, height: int) -> None:
        for i, (text, _scale, _upscaler) in enumerate(size_choices(self.checkpoint, width, height)):
            if i < self.scale.count():
                self.scale.setItemText(i, text)

    def _preview_failed(self, text: str) -> None:
        self.preview.placeholder = text
        self.preview.update()

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export folder", self.folder.text())
        if d:
            self.folder.setText(d)

    def request(self) -> ArtworkRequest:
        return ArtworkRequest(kind=self.kind.currentData(), folder=self.folder.text(), name=self.name.text(),
                              fmt=self.fmt.currentData(), scale=self.scale.currentData(),
                              upscaler=self.scale.currentData(UPSCALER_ROLE) or "lanczos", recipe=self.recipe,
                              favourites=tuple(self.favourites), walk_seed=self.walk_seed,
                              frames=self.frames.value(), fps=float(self.fps.value()),
                              transparent=bool(self.background.isEnabled() and self.background.currentData()),
                              transparent_region=self.background.currentData() or "edges")

    def start(self) -> None:
        if self.worker is not None:
            return
        req = self.request()
        try:
            req.validate()
        except StudioError as e:
            self.status.setText(str(e))
            return
        self.status.setText("Exporting…")
        self.progress.setValue(0)
        self.export_button.setEnabled(False)
        self.worker = start_job(self, export_job, self.checkpoint, req, failure="Export failed")
        self.worker.progress.connect(lambda p: (self.progress.setMaximum(p[1]), self.progress.setValue(p[0])))
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)

    def _done(self, path: str) -> None:
        self.progress.setValue(self.progress.maximum())
        self.status.setText(f"Saved {path}")
        self.saved = Path(path)
        self.show_button.setEnabled(True)
        self.exported.emit(path)

    def show_in_folder(self) -> None:
        """The system's file manager on the folder of the last file saved."""
        if self.saved is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved.parent)))

    def _failed(self, text: str) -> None:
        self.status.setText(text)

    def _finished(self) -> None:
        self.worker = None
        self.export_button.setEnabled(True)

    def cancel_export(self) -> None:
        self.grid_preview.stop()
        if self.worker is not None:
            stop_jobs([self.worker])

    def reject(self) -> None:
        self.cancel_export()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name; also covers Escape and the close box
        self.cancel_export()
        super().done(result)

