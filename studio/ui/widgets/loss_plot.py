"""Live training curves (pyqtgraph): G and D losses, R1, the augmentation probability and, when quality
metrics run, KID on its own axis (it is on another scale than the losses), with a smoothing control. Points go into preallocated numpy arrays that grow by doubling; pyqtgraph draws
them with peak downsampling and clip-to-view, so a long run costs a few ms per update."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from studio.core.formats.metrics_rows import LossRow, Quality
from studio.ui.widgets.curve_legend import CurveLegend

# Loss keys the core reports, their legend names and colours (colour-blind-safe Okabe–Ito).
CURVES = {
    "loss_g": ("G loss", "#E69F00"),
    "loss_d": ("D loss", "#0072B2"),
    "r1": ("R1", "#009E73"),
    "gp": ("gradient penalty", "#CC79A7"),
}


def legend_rank(key: str) -> tuple[int, str]:
    """The place of a curve in the legend: the CURVES order, then any other key by name."""
    keys = list(CURVES)
    return (keys.index(key), "") if key in CURVES else (len(keys), key)


class Series:
    """A growing (x, y) series in preallocated arrays, with an incrementally kept EMA-smoothed copy.

    At most `max_points` points are kept: when full, neighbouring points are averaged in pairs and from
    then on each point is the mean of twice as many reports (an open bin is shown as the newest point), so
    the whole run stays at one even resolution and a run of days costs the memory and drawing time of
    about an hour (5 reports a second fill 20k points in about an hour)."""

    max_points = 20_000  # even

    def __init__(self, capacity: int = 1024) -> None:
        self.x = np.empty(capacity, np.float64)
        self.y = np.empty(capacity, np.float64)
        self.smooth = np.empty(capacity, np.float64)
        self.n = 0  # complete points
        self.alpha = 1.0  # weight of the newest point; 1 = no smoothing
        self.bin = 1  # reports per point
        self._open = 0  # reports in the open bin at index n
        self._last_smooth = math.nan  # the EMA after the latest report

    def append(self, x: float, y: float) -> None:
        last = self._last_smooth
        sm = y if not math.isfinite(last) else self.alpha * y + (1 - self.alpha) * last
        self._last_smooth = sm
        i = self.n
        if self._open == 0:
            if i == self.x.shape[0]:
                for name in ("x", "y", "smooth"):
                    old = getattr(self, name)
                    new = np.empty(old.shape[0] * 2, np.float64)
                    new[:i] = old[:i]
                    setattr(self, name, new)
            self.x[i], self.y[i], self.smooth[i] = x, y, sm
        else:  # the running mean of the open bin
            k = self._open
            self.x[i] = (self.x[i] * k + x) / (k + 1)
            self.y[i] = (self.y[i] * k + y) / (k + 1)
            self.smooth[i] = (self.smooth[i] * k + sm) / (k + 1)
        self._open += 1
        if self._open == self.bin:
            self.n += 1
            self._open = 0
            if self.n >= self.max_points:
                self._thin()

    def _thin(self) -> None:
        k = self.n // 2
        for a in (self.x, self.y, self.smooth):
            a[:k] = a[:2 * k].reshape(k, 2).mean(axis=1)
        self.n = k
        self.bin *= 2

    def set_smoothing(self, amount: float) -> None:
        """amount in [0, 1): 0 shows raw values; 0.99 averages over about 100 reports."""
        self.alpha = 1.0 - amount
        acc = math.nan
        for i in range(self.n):  # once per slider move, not per point
            v = self.y[i]
            acc = v if not math.isfinite(acc) else self.alpha * v + (1 - self.alpha) * acc
            self.smooth[i] = acc
        self._last_smooth = acc

    def view(self, smoothed: bool) -> tuple[np.ndarray, np.ndarray]:
        m = self.n + (1 if self._open else 0)
        return self.x[:m], (self.smooth if smoothed else self.y)[:m]


class LossPlot(QWidget):
    """Curves of the losses (top) and the augmentation probability (bottom), sharing the x axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, Series] = {}
        self.augment = Series()
        self.kid = Series(64)  # KID × 10³ per evaluation (few points: minutes apart)
        self.latest_quality: dict | None = None
        self.quality_plot: pg.PlotItem | None = None  # added below the others with the first evaluation
        self._kid_curve: pg.PlotDataItem | None = None
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._dirty = False
        self.smoothing = 0.6

        self.view = pg.GraphicsLayoutWidget()
        self.view.setMinimumHeight(180)
        self.losses = self.view.addPlot(row=0, col=0)
        self.losses.setLabel("left", "loss")
        # Grid lines are most of the axes' paint time (profiled): horizontal ones only, on the losses.
        self.losses.showGrid(x=False, y=True, alpha=0.2)
        self.losses.hideAxis("bottom")  # the augment plot below carries the shared step axis
        self.legend = CurveLegend()  # above the plot: inside it, it covered the run's first points
        self.probability = self.view.addPlot(row=1, col=0)
        self.probability.setLabel("left", "augment p")
        self.probability.setLabel("bottom", "step")
        self.probability.setYRange(0, 1, padding=0.05)
        self.probability.setMouseEnabled(y=False)
        self.probability.setXLink(self.losses)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.losses, self.probability):
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        # Axes regenerate their ticks (the GUI thread's main paint cost) whenever a range changes, so while
        # following the run the ranges move in steps, not with every point; a manual zoom/pan stops that.
        self.following = True
        self._x_limit = 0.0
        self._y_range: tuple[float, float] | None = None
        for plot in (self.losses, self.probability):
            plot.disableAutoRange()
            plot.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
        self._p_curve = self.probability.plot(pen=pg.mkPen("#D55E00", width=1.5), name="augment p")

        self.smooth_slider = QSlider(Qt.Orientation.Horizontal)
        self.smooth_slider.setRange(0, 99)
        self.smooth_slider.setValue(int(self.smoothing * 100))
        self.smooth_slider.setToolTip("Exponential moving average of the plotted losses (0: raw values)")
        self.smooth_slider.setMinimumWidth(80)
        self.smooth_slider.valueChanged.connect(self._on_smoothing)
        self.smooth_label = QLabel()
        self.raw_box = QCheckBox("show raw")
        self.raw_box.setToolTip("Draw the unsmoothed values faintly behind the smoothed curves")
        self.raw_box.toggled.connect(lambda _on: self.redraw())
        self._raw_curves: dict[str, pg.PlotDataItem] = {}

        # Two short rows, not one long one: the row's ~340 px minimum left the sample grid the smaller share
        # of the Live tab at 1024 px (issue 15, defect 14).
        smoothing = QHBoxLayout()
        smoothing.addWidget(QLabel("Smoothing"))
        smoothing.addWidget(self.smooth_slider, 1)
        smoothing.addWidget(self.smooth_label)
        view_row = QHBoxLayout()
        view_row.addWidget(self.raw_box)
        view_row.addStretch(1)
        self.fit_button = QPushButton("Follow")
        self.fit_button.setToolTip("Fit the whole run and keep following it (after zooming or panning)")
        self.fit_button.clicked.connect(self.follow)
        view_row.addWidget(self.fit_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.legend)
        lay.addWidget(self.view, 1)
        lay.addLayout(smoothing)
        lay.addLayout(view_row)
        self._update_smooth_label()
        self.apply_palette()

    # ------------------------------------------------------------------ data in
    def add_point(self, step: float, losses: dict[str, float], augment_p: float | None = None) -> None:
        for key, value in sorted(losses.items(), key=lambda kv: legend_rank(kv[0])):
            s = self.series.get(key)
            if s is None:
                s = self.series[key] = Series()
                s.set_smoothing(self.smoothing)
                self._add_curve(key)
            s.append(step, value)
        if augment_p is not None:
            self.augment.append(step, augment_p)
        self._dirty = True

    def add_quality(self, step: float, kid: float, fid: float | None = None, density: float | None = None,
                    coverage: float | None = None) -> None:
        """One quality evaluation (core Quality event or a metrics.jsonl record with "kid")."""
        if self.quality_plot is None:
            self._add_quality_plot()
        self.kid.append(step, kid * 1e3)
        self.latest_quality = {"step": step, "kid": kid, "fid": fid, "density": density, "coverage": coverage}
        self._dirty = True

    def _add_quality_plot(self) -> None:
        plot = self.view.addPlot(row=2, col=0)
        plot.setLabel("left", "KID ×10³")
        plot.setToolTip("Kernel Inception Distance to the training images: lower is better.\n"
                        "Title: the latest evaluation; density ~ sharpness (are the images on-model?),\n"
                        "coverage ~ diversity (how much of the training set they cover); 1 is ideal for both.")
        plot.showGrid(x=False, y=True, alpha=0.2)
        plot.setXLink(self.losses)
        plot.setMouseEnabled(y=False)
        plot.enableAutoRange(axis=pg.ViewBox.YAxis)  # a handful of points: no tick-regeneration cost to avoid
        plot.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
        self.probability.hideAxis("bottom")  # the step axis moves to the lowest plot
        self.probability.setLabel("bottom", "")
        plot.setLabel("bottom", "step")
        self.view.ci.layout.setRowStretchFactor(2, 1)
        self._kid_curve = plot.plot(pen=pg.mkPen("#56B4E9", width=2), symbol="o", symbolSize=6,
                                    symbolBrush="#56B4E9", symbolPen=None, name="KID")
        self.quality_plot = plot
        self.apply_palette()

    def quality_text(self) -> str:
        """The latest evaluation in words, for the plot's title."""
        q = self.latest_quality
        if q is None:
            return ""
        parts = [f"KID {q['kid'] * 1e3:.2f}×10⁻³"]
        if q.get("fid") is not None:
            parts.append(f"FID {q['fid']:.1f}")
        if q.get("density") is not None and q.get("coverage") is not None:
            parts.append(f"density {q['density']:.2f} · coverage {q['coverage']:.2f}")
        return f"step {int(q['step'])}: " + " · ".join(parts)

    def add_records(self, records: list[LossRow | Quality]) -> None:
        """Records of a run's metrics.jsonl (follow mode, or a finished run being opened): every loss term
        in them, as live."""
        for r in records:
            if isinstance(r, Quality):  # a score an older row lacks is NaN: not shown
                known = [None if math.isnan(x) else x for x in (r.fid, r.density, r.coverage)]
                self.add_quality(float(r.step), r.kid, *known)
            else:
                self.add_point(float(r.step), r.losses, r.augment_p)
        self.redraw()

    def clear(self) -> None:
        for key in list(self._curves):
            self.losses.removeItem(self._curves.pop(key))
        for key in list(self._raw_curves):
            self.losses.removeItem(self._raw_curves.pop(key))
        self.legend.set_entries([])
        self.series.clear()
        self.augment = Series()
        self._p_curve.setData([], [])
        self.kid = Series(64)
        self.latest_quality = None
        if self.quality_plot is not None:
            self.view.removeItem(self.quality_plot)
            self.quality_plot = self._kid_curve = None
            self.probability.showAxis("bottom")
            self.probability.setLabel("bottom", "step")
        self._dirty = False
        self._x_limit = 0.0
        self._y_range = None
        self.following = True

    def point_count(self, key: str = "loss_g") -> int:
        s = self.series.get(key)
        return s.n if s is not None else 0

    # ------------------------------------------------------------------ drawing
    def _add_curve(self, key: str) -> None:
        name, colour = CURVES.get(key, (key, "#999999"))
        raw_colour = QColor(colour)
        raw_colour.setAlpha(70)
        self._raw_curves[key] = self.losses.plot(pen=pg.mkPen(raw_colour, width=1))
        self._curves[key] = self.losses.plot(pen=pg.mkPen(colour, width=2), name=name)
        # The legend in one fixed order (G, D, penalties), whatever order the curves first arrived in.
        self.legend.set_entries([CURVES.get(k, (k, "#999999")) for k in sorted(self._curves, key=legend_rank)])

    def redraw(self) -> None:
        smoothed = self.smoothing > 0
        for key, s in self.series.items():
            x, y = s.view(smoothed)
            self._curves[key].setData(x, y)
            raw = self._raw_curves[key]
            if self.raw_box.isChecked() and smoothed:
                raw.setData(*s.view(False))
            else:
                raw.setData([], [])
        self._p_curve.setData(*self.augment.view(False))
        if self._kid_curve is not None:
            self._kid_curve.setData(*self.kid.view(False))
            self.quality_plot.setTitle(self.quality_text(), size="9pt", color=self._title_colour)
        self._dirty = False
        if self.following:
            self._update_ranges(smoothed)

    def _update_ranges(self, smoothed: bool) -> None:
        xs = [s.x[s.n - 1] for s in self.series.values() if s.n] + ([self.augment.x[self.augment.n - 1]]
                                                                     if self.augment.n else [])
        if not xs:
            return
        x_last = max(xs)
        if x_last > self._x_limit or self._x_limit == 0:
            self._x_limit = max(10.0, x_last * 1.5)  # room to grow before the axis changes again
            self.losses.setXRange(0, self._x_limit, padding=0.02)
        ys = [s.view(smoothed)[1] for s in self.series.values() if s.n]
        ys += [s.view(False)[1] for s in self.series.values() if s.n and self.raw_box.isChecked()]
        finite = [y[np.isfinite(y)] for y in ys]
        finite = [y for y in finite if y.size]
        if not finite:
            return
        lo = float(min(y.min() for y in finite))
        hi = float(max(y.max() for y in finite))
        span = max(hi - lo, 1e-3)
        cur = self._y_range
        # Change the y range only when the data leave it, or fill less than half of it.
        if cur is None or lo < cur[0] or hi > cur[1] or span < 0.5 * (cur[1] - cur[0]):
            self._y_range = (lo - 0.1 * span, hi + 0.1 * span)
            self.losses.setYRange(*self._y_range, padding=0)

    def _on_manual_range(self, *_args) -> None:
        self.following = False

    def follow(self) -> None:
        """Back to fitting the whole run as it grows."""
        self.following = True
        self._x_limit = 0.0
        self._y_range = None
        self.redraw()

    def flush(self) -> None:
        """Redraw if points arrived since the last draw (called by the window's refresh timer)."""
        if self._dirty and self.isVisible():
            self.redraw()

    def _on_smoothing(self, value: int) -> None:
        self.smoothing = value / 100
        for s in self.series.values():
            s.set_smoothing(self.smoothing)
        self._update_smooth_label()
        self.redraw()

    def _update_smooth_label(self) -> None:
        self.smooth_label.setText(f"{self.smoothing:.2f}")

    def apply_palette(self) -> None:
        """Follow the application palette (light or dark)."""
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Base)
        fg = pal.color(QPalette.ColorRole.Text)
        self.view.setBackground(bg)
        plots = [self.losses, self.probability] + ([self.quality_plot] if self.quality_plot is not None else [])
        for plot in plots:
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen(fg))
                ax.setTextPen(pg.mkPen(fg))
        self.legend.set_text_colour(fg.name())
        self._title_colour = fg

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)
