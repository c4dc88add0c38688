"""The drawing of the live curves (pyqtgraph): the losses on top, the augmentation probability below, and
KID on a third plot once the run is evaluated, all on one step axis. pyqtgraph draws the arrays of
studio.ui.widgets.loss_series with peak downsampling and clip-to-view, so a long run costs a few ms per update.

Importing pyqtgraph takes about 0.4 s (its whole widget set); this module is imported only when the curves
are first shown (studio.ui.widgets.loss_plot), so the welcome view never waits for it."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from studio.ui.widgets.loss_series import CURVES, Series


class LossChart:
    """The plots and their curves; `on_manual_range` is called when the artist zooms or pans."""

    def __init__(self, on_manual_range: Callable[[], None]) -> None:
        self._on_manual_range = on_manual_range
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.raw_curves: dict[str, pg.PlotDataItem] = {}
        self.quality_plot: pg.PlotItem | None = None  # added below the others with the first evaluation
        self.kid_curve: pg.PlotDataItem | None = None
        self.title_colour = QColor("black")
        self._x_limit = 0.0
        self._y_range: tuple[float, float] | None = None

        self.view = pg.GraphicsLayoutWidget()
        self.view.setMinimumHeight(180)
        self.losses = self.view.addPlot(row=0, col=0)
        self.losses.setLabel("left", "loss")
        # Grid lines are most of the axes' paint time (profiled): horizontal ones only, on the losses.
        self.losses.showGrid(x=False, y=True, alpha=0.2)
        self.losses.hideAxis("bottom")  # the augment plot below carries the shared step axis
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
            # Axes regenerate their ticks (the GUI thread's main paint cost) whenever a range changes, so
            # while following the run the ranges move in steps, not with every point.
            plot.disableAutoRange()
            plot.getViewBox().sigRangeChangedManually.connect(self._manual)
        self.p_curve = self.probability.plot(pen=pg.mkPen("#D55E00", width=1.5), name="augment p")

    def _manual(self, *_args) -> None:
        self._on_manual_range()

    def add_curve(self, key: str) -> None:
        name, colour = CURVES.get(key, (key, "#999999"))
        raw_colour = QColor(colour)
        raw_colour.setAlpha(70)
        self.raw_curves[key] = self.losses.plot(pen=pg.mkPen(raw_colour, width=1))
        self.curves[key] = self.losses.plot(pen=pg.mkPen(colour, width=2), name=name)

    def add_quality_plot(self) -> None:
        plot = self.view.addPlot(row=2, col=0)
        plot.setLabel("left", "KID ×10³")
        plot.setToolTip("Kernel Inception Distance to the training images: lower is better.\n"
                        "Title: the latest evaluation; density ~ sharpness (are the images on-model?),\n"
                        "coverage ~ diversity (how much of the training set they cover); 1 is ideal for both.")
        plot.showGrid(x=False, y=True, alpha=0.2)
        plot.setXLink(self.losses)
        plot.setMouseEnabled(y=False)
        plot.enableAutoRange(axis=pg.ViewBox.YAxis)  # a handful of points: no tick-regeneration cost to avoid
        plot.getViewBox().sigRangeChangedManually.connect(self._manual)
        self.probability.hideAxis("bottom")  # the step axis moves to the lowest plot
        self.probability.setLabel("bottom", "")
        plot.setLabel("bottom", "step")
        self.view.ci.layout.setRowStretchFactor(2, 1)
        self.kid_curve = plot.plot(pen=pg.mkPen("#56B4E9", width=2), symbol="o", symbolSize=6,
                                   symbolBrush="#56B4E9", symbolPen=None, name="KID")
        self.quality_plot = plot

    def clear(self) -> None:
        for key in list(self.curves):
            self.losses.removeItem(self.curves.pop(key))
        for key in list(self.raw_curves):
            self.losses.removeItem(self.raw_curves.pop(key))
        self.p_curve.setData([], [])
        if self.quality_plot is not None:
            self.view.removeItem(self.quality_plot)
            self.quality_plot = self.kid_curve = None
            self.probability.showAxis("bottom")
            self.probability.setLabel("bottom", "step")
        self.reset_ranges()

    def reset_ranges(self) -> None:
        self._x_limit = 0.0
        self._y_range = None

    def draw(self, series: dict[str, Series], augment: Series, kid: Series, smoothed: bool, raw: bool,
             title: str, follow: bool) -> None:
        for key, s in series.items():
            self.curves[key].setData(*s.view(smoothed))
            if raw and smoothed:
                self.raw_curves[key].setData(*s.view(False))
            else:
                self.raw_curves[key].setData([], [])
        self.p_curve.setData(*augment.view(False))
        if self.kid_curve is not None and self.quality_plot is not None:
            self.kid_curve.setData(*kid.view(False))
            self.quality_plot.setTitle(title, size="9pt", color=self.title_colour)
        if follow:
            self._update_ranges(series, augment, smoothed, raw)

    def _update_ranges(self, series: dict[str, Series], augment: Series, smoothed: bool, raw: bool) -> None:
        xs = [s.x[s.n - 1] for s in series.values() if s.n] + ([augment.x[augment.n - 1]] if augment.n else [])
        if not xs:
            return
        x_last = max(xs)
        if x_last > self._x_limit or self._x_limit == 0:
            self._x_limit = max(10.0, x_last * 1.5)  # room to grow before the axis changes again
            self.losses.setXRange(0, self._x_limit, padding=0.02)
        ys = [s.view(smoothed)[1] for s in series.values() if s.n]
        ys += [s.view(False)[1] for s in series.values() if s.n and raw]
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

    def apply_palette(self, background: QColor, foreground: QColor) -> None:
        self.view.setBackground(background)
        plots = [self.losses, self.probability] + ([self.quality_plot] if self.quality_plot is not None else [])
        for plot in plots:
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen(foreground))
                ax.setTextPen(pg.mkPen(foreground))
        self.title_colour = foreground
