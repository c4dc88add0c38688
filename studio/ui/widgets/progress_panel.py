"""Training progress: a bar, and the images shown so far, images per second, elapsed time and ETA in words."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from studio.core.shape import CanvasShape


def format_stage(resolution: int | None, alpha: float | None, canvas: CanvasShape | None = None) -> str:
    """A progressive run's stage (the networks' scale) in words: "16 px → 32 px, fading 40 %" or "32 px";
    a non-square run's stage by its picture size: "12×8 px → 24×16 px"; "" when not growing."""
    if resolution is None:
        return ""
    canvas = canvas or CanvasShape()

    def px(scale: int) -> str:
        return canvas.at_scale(scale).px if scale >= 4 else f"{scale} px"

    if alpha is not None and alpha < 1.0:
        return f"{px(resolution // 2)} → {px(resolution)}, fading {100 * alpha:.0f} %"
    return px(resolution)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def thousands(kimg: float) -> str:
    """A count of images given in thousands (the core's kimg), as people write it: "64", "9,984", "12.3k",
    "250k"."""
    if kimg < 10:
        return f"{kimg * 1000:,.0f}"
    return f"{kimg:.1f}k" if kimg < 100 else f"{kimg:,.0f}k"


class ProgressPanel(QWidget):
    """Shows the newest Progress event; runs without a fixed length show a running bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas: CanvasShape | None = None  # the run's picture shape: how a growing run's stages are named
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("ready")
        self.kimg = QLabel("—")
        self.speed = QLabel("—")
        self.elapsed = QLabel("—")
        self.eta = QLabel("—")
        # When the samples should become recognisable, at the run's own speed (core.training.estimate).
        self.recognisable = QLabel("—")
        self.recognisable.setToolTip("The point where this recipe's samples, measured on real folders, score as well "
                                     "as a textbook GAN's after ten minutes; the time left is at this run's speed.")
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar, 0, 0, 1, 8)
        for col, (name, label) in enumerate(
            (("images", self.kimg), ("images/s", self.speed), ("elapsed", self.elapsed), ("ETA", self.eta))
        ):
            title = QLabel(name + ":")
            title.setEnabled(False)  # dimmed caption, readable in light and dark palettes
            lay.addWidget(title, 1, col * 2)
            lay.addWidget(label, 1, col * 2 + 1)
        title = QLabel("recognisable:")
        title.setEnabled(False)
        lay.addWidget(title, 2, 0)
        lay.addWidget(self.recognisable, 2, 1, 1, 7)
        lay.setColumnStretch(7, 1)
        self.kimg.setToolTip("Images shown to the discriminator so far (k: thousands) and, for a length in steps "
                             "or images, in all; training lengths in 'thousand images' (kimg) count these")

    def set_progress(self, step: int, kimg: float, total_kimg: float | None, images_per_second: float,
                     elapsed: float, eta: float | None, fraction: float | None, resolution: int | None = None,
                     alpha: float | None = None) -> None:
        stage = format_stage(resolution, alpha, self.canvas)
        if fraction is None and not stage:
            self.bar.setRange(0, 0)  # busy indicator
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(round(1000 * min(1.0, fraction or 0.0))))
            text = f"step {step}" + (f" · {100 * fraction:.0f}%" if fraction is not None else "")
            self.bar.setFormat(text + (f" · {stage}" if stage else ""))
        self.kimg.setText(thousands(kimg) + (f" / {thousands(total_kimg)}" if total_kimg else ""))
        self.speed.setText(f"{images_per_second:.1f}" if images_per_second < 10 else f"{images_per_second:.0f}")
        self.elapsed.setText(format_duration(elapsed))
        self.eta.setText(format_duration(eta))

    def set_recognisable(self, text: str) -> None:
        self.recognisable.setText(text or "—")

    def set_text(self, text: str, fraction: float | None = None) -> None:
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * fraction) if fraction is not None else 0)
        self.bar.setFormat(text)

    def _not_busy(self) -> None:
        if self.bar.maximum() == 0:  # an animated bar says "working": not while paused
            self.bar.setRange(0, 1000)
            self.bar.setValue(0)

    def set_pausing(self) -> None:
        """Pause asked: the loop stops after its current step (a slow step takes seconds)."""
        self._not_busy()
        self.bar.setFormat("pausing after this step…")
        self.speed.setText("—")
        self.eta.setText("—")

    def set_paused(self, step: int) -> None:
        self._not_busy()
        self.bar.setFormat(f"paused at step {step}")
        self.speed.setText("—")  # nothing is trained while paused: no rate, no ETA
        self.eta.setText("—")

    def set_ended(self, text: str, fraction: float | None, kimg: float | None = None) -> None:
        """Training ended: keep the totals, drop the rate and the ETA, which no longer apply."""
        self.set_text(text, fraction)
        if kimg is not None:
            self.kimg.setText(thousands(kimg))
        self.speed.setText("—")
        self.eta.setText("—")

    def set_loading(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self.bar.setFormat(f"reading images {done}/{total}")

    def reset(self) -> None:
        self.set_text("ready")
        for label in (self.kimg, self.speed, self.elapsed, self.eta, self.recognisable):
            label.setText("—")
