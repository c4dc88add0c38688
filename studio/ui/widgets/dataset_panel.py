"""The dataset panel: what the importer found in the folder, thumbnails as training will see them,
size statistics, duplicates, classes, skipped files with reasons, and the augmentation preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.widgets.image_view import ImageView


def _value_label() -> QLabel:
    label = QLabel("—")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DatasetPanel(QScrollArea):
    """Fed an ImportReport plus two QImages (thumbnails and augmented); it computes nothing itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        self.setWidget(body)

        self.path = _value_label()
        self.count = _value_label()
        self.sizes = _value_label()
        self.duplicates = _value_label()
        self.classes = _value_label()
        self.crop_hint = _value_label()  # when the crop cuts into the pictures' subjects: pad instead
        for label in (self.count, self.sizes, self.duplicates, self.classes, self.crop_hint):
            label.setWordWrap(True)  # long sentences wrap: the page never scrolls sideways at 1024 × 700
        self.loading = QProgressBar()
        self.loading.hide()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)  # the sentences use the width
        form.addRow("Folder", self.path)
        form.addRow("Images", self.count)
        form.addRow("Sizes", self.sizes)
        form.addRow("Duplicates", self.duplicates)
        form.addRow("Classes", self.classes)
        form.addRow("Crop", self.crop_hint)
        self._form = form
        form.setRowVisible(self.crop_hint, False)

        self.thumbnails = ImageView(placeholder="Reading images…")
        self.thumbnails.setMinimumSize(200, 60)
        self.thumbnails.fit_to_width()
        thumbs_box = QGroupBox("As training sees them (cropped or padded, transparency on the background)")
        QVBoxLayout(thumbs_box).addWidget(self.thumbnails)

        self.augmented = ImageView(placeholder="—")
        self.augmented.setMinimumSize(200, 60)
        self.augmented.fit_to_width()
        self.augment_box = QGroupBox("Augmentation preview")
        QVBoxLayout(self.augment_box).addWidget(self.augmented)

        self.skipped = QTableWidget(0, 2)
        self.skipped.setHorizontalHeaderLabels(["File", "Why it was skipped"])
        self.skipped.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped.horizontalHeader().setStretchLastSection(True)
        self.skipped.verticalHeader().hide()
        self.skipped.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.skipped.setMinimumHeight(90)
        self.skipped_box = QGroupBox("Skipped files")
        QVBoxLayout(self.skipped_box).addWidget(self.skipped)

        lay = QVBoxLayout(body)
        lay.addLayout(form)
        lay.addWidget(self.loading)
        lay.addWidget(thumbs_box)
        lay.addWidget(self.augment_box)
        lay.addWidget(self.skipped_box, 1)
        lay.addStretch(0)

    def set_folder(self, path: str) -> None:
        self.path.setText(path)
        self.path.setToolTip(path)
        for label in (self.count, self.sizes, self.duplicates, self.classes):
            label.setText("—")
        self._form.setRowVisible(self.crop_hint, False)
        self.thumbnails.placeholder = "Reading images…"
        self.thumbnails.set_image(QImage())
        self.augmented.set_image(QImage())
        self.skipped.setRowCount(0)
        self.skipped_box.setTitle("Skipped files")
        self.skipped_box.hide()

    def set_loading(self, done: int, total: int) -> None:
        self.loading.setVisible(done < total)
        if done >= total:
            self.thumbnails.placeholder = "Preparing the previews…"
            self.thumbnails.update()
        self.loading.setRange(0, max(1, total))
        self.loading.setValue(done)
        self.loading.setFormat(f"reading images {done}/{total}")

    def set_failed(self, text: str) -> None:
        self.loading.hide()
        self.thumbnails.placeholder = text
        self.thumbnails.set_image(QImage())

    def set_report(self, report, thumbnails: QImage | None = None, augmented: QImage | None = None,
                   augment_p: float = 0.5) -> None:
        """`report` is a core ImportReport."""
        self.loading.hide()
        self.path.setText(str(report.folder))
        cached = " (from cache)" if getattr(report, "from_cache", False) else ""
        self.count.setText(f"{report.used} used of {report.candidates} image files{cached}")
        self.sizes.setText(report.size_summary())
        self.duplicates.setText(
            f"{report.duplicates} exact duplicate(s) — they weigh more in training" if report.duplicates else "none"
        )
        if report.class_names:
            counts = report.class_counts or [0] * len(report.class_names)
            self.classes.setText(", ".join(f"{n} ({c})" for n, c in zip(report.class_names, counts, strict=False)))
        else:
            self.classes.setText("none (sub-folders become classes when “Use sub-folders as classes” is on)")
        if thumbnails is not None:
            self.thumbnails.set_image(thumbnails)
        if augmented is not None:
            self.augmented.set_image(augmented)
            self.augment_box.setTitle(
                f"Augmentation preview — the same images as the discriminator may see them (p = {augment_p:.1f})")
        cut = getattr(report, "cut", 0)
        self.crop_hint.setText(
            f"Cropping to the training shape cuts into {cut} of {report.used} pictures (the tops of letters, the "
            "sides of a subject). To keep each picture whole, choose “Fit inside, pad with background” under "
            "Advanced ▸ Fit in the training settings." if cut else "")
        self._form.setRowVisible(self.crop_hint, cut >= max(1, report.used // 20))
        self.skipped.setRowCount(len(report.skipped))
        for row, s in enumerate(report.skipped):
            self.skipped.setItem(row, 0, QTableWidgetItem(s.path))
            self.skipped.setItem(row, 1, QTableWidgetItem(s.reason))
        self.skipped_box.setTitle(f"Skipped files ({len(report.skipped)})")
        self.skipped_box.setVisible(bool(report.skipped))
