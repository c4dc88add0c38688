"""Train upscaler…: the run's learned ×2/×4 upscale, trained from its own folder for some minutes in the
background (UpscalerJob), with progress, Cancel, and what it gained over Lanczos on pictures it never saw.
Explore's Export sizes use it once it exists."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from studio.ui.explore.upscaler_job import UpscalerJob


def upscaler_summary(run: Path) -> str:
    """What the run has: '×2: 1480 steps, L1 2.46 (Lanczos 4.72) …' per scale, or 'none yet'."""
    from studio.core.upscale.learned import learned_header

    lines = []
    for s in (2, 4):
        h = learned_header(run, s)
        if h is None:
            lines.append(f"×{s}: none yet (exports use Lanczos)")
        else:
            score = f", {h.score.describe()}" if h.score else ""
            lines.append(f"×{s}: {h.step} steps, {h.seconds / 60:.1f} min{score}")
    return "\n".join(lines)


class UpscalerDialog(QDialog):
    """Non-modal: exploring goes on while it trains."""

    def __init__(self, run: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train upscaler")
        self.setMinimumWidth(520)
        self.run = Path(run)
        self.job: UpscalerJob | None = None
        intro = QLabel("A small network learns to enlarge this run's pictures from its own folder: the folder's "
                       "pictures at ×2 and ×4 against copies at the run's size. A few minutes on a CPU already do "
                       "better than Lanczos on flat art; training again continues where it stopped. Export "
                       "sizes ×2/×4 then use it.")
        intro.setWordWrap(True)
        self.have = QLabel(upscaler_summary(self.run))
        self.have.setWordWrap(True)
        self.scale = QComboBox(toolTip="Which upscale to train")
        self.scale.addItem("×2 and ×4 (those the folder's pictures allow)", None)
        self.scale.addItem("×2", 2)
        self.scale.addItem("×4", 4)
        self.minutes = QDoubleSpinBox(minimum=0.1, maximum=240.0, value=5.0, decimals=1, suffix=" min",
                                      toolTip="Training time in all (both scales share it)")
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Upscale", self.scale)
        form.addRow("Training time", self.minutes)
        self.buttons = QDialogButtonBox()
        self.train_button = self.buttons.addButton("Train", QDialogButtonBox.ButtonRole.AcceptRole)
        self.train_button.setToolTip("Train in the background; you can keep exploring")
        self.cancel_button = self.buttons.addButton("Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setToolTip("Stop training: what was learned so far is kept")
        self.cancel_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setToolTip("Close this window (a training still going is stopped; what it learned is kept)")
        self.train_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.have)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)

    def start(self) -> None:
        if self.job is not None:
            return
        self.job = UpscalerJob(self.run, self.scale.currentData(), self.minutes.value(), self)
        self.job.progress.connect(self._progress)
        self.job.done.connect(self._done)
        self.job.failed.connect(self.status.setText)
        self.job.ended.connect(self._ended)
        self.train_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.job.start()

    def _progress(self, text: str, percent: int) -> None:
        self.progress.setValue(percent)
        self.status.setText(text)

    def _done(self, summary: str) -> None:
        self.progress.setValue(100)
        self.status.setText(summary)
        self.have.setText(upscaler_summary(self.run))

    def _ended(self) -> None:
        self.job = None
        self.train_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def cancel(self) -> None:
        """Stop training (the job scores and saves what it learned, then ends)."""
        if self.job is not None:
            self.job.requestInterruption()
            self.status.setText("Stopping: scoring and saving what was learned…")

    def stop_and_wait(self) -> None:
        if self.job is not None:
            self.job.requestInterruption()
            self.job.wait()

    def reject(self) -> None:
        self.stop_and_wait()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name; also covers Escape and the close box
        self.stop_and_wait()
        super().done(result)
