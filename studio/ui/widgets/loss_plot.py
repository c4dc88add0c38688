"""Live training curves: G and D losses, R1, the augmentation probability and, when quality metrics run,
KID on its own axis (it is on another scale than the losses), with a smoothing control and a legend.

The widget keeps the numbers (studio.ui.widgets.loss_series) from the first point on; the pyqtgraph chart
that draws them (studio.ui.widgets.loss_chart) is built the first time the curves are shown, so launching
the studio does not wait for pyqtgraph's import (about 0.4 s; bench/startup.py)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from studio.core.formats.metrics_rows import LossRow, Quality
from studio.ui.widgets.curve_legend import CurveLegend
from studio.ui.widgets.loss_series import CURVES, Series, legend_rank

if TYPE_CHECKING:
    from studio.ui.widgets.loss_chart import LossChart

__all__ = ["CURVES", "LossPlot", "Series", "legend_rank"]


class LossPlot(QWidget):
    """Curves of the losses (top) and the augmentation probability (bottom), sharing the x axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, Series] = {}
        self.augment = Series()
        self.kid = Series(64)  # KID × 10³ per evaluation (few points: minutes apart)
        self.latest_quality: dict | None = None
        self.chart: LossChart | None = None  # built when first shown (ensure_chart)
        self._dirty = False
        self.smoothing = 0.6
        self.following = True  # fitting the whole run as it grows; a manual zoom or pan stops that
        self.legend = CurveLegend()  # above the plot: inside it, it covered the run's first points
        self._chart_slot = QWidget()  # where the chart goes once built
        self._chart_slot.setMinimumHeight(180)

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
        self._layout = lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.legend)
        lay.addWidget(self._chart_slot, 1)
        lay.addLayout(smoothing)
        lay.addLayout(view_row)
        self._update_smooth_label()
        self.apply_palette()

    # ------------------------------------------------------------------ the chart, built when first shown
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.ensure_chart()
        super().showEvent(event)

    def ensure_chart(self) -> LossChart:
        """The pyqtgraph chart, built (and given every point so far) on first use."""
        if self.chart is None:
            from studio.ui.widgets.loss_chart import LossChart

            chart = LossChart(self._on_manual_range)
            for key in sorted(self.series, key=legend_rank):
                chart.add_curve(key)
            if self.latest_quality is not None:
                chart.add_quality_plot()
            self._layout.replaceWidget(self._chart_slot, chart.view)
            self._chart_slot.deleteLater()
            self.chart = chart
            self.apply_palette()
            self.redraw()
        return self.chart

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
        if self.latest_quality is None and self.chart is not None:
            self.chart.add_quality_plot()
            self.apply_palette()
        self.kid.append(step, kid * 1e3)
        self.latest_quality = {"step": step, "kid": kid, "fid": fid, "density": density, "coverage": coverage}
        self._dirty = True

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
        if self.chart is not None:
            self.chart.clear()
        self.legend.set_entries([])
        self.series.clear()
        self.augment = Series()
        self.kid = Series(64)
        self.latest_quality = None
        self._dirty = False
        self.following = True

    def point_count(self, key: str = "loss_g") -> int:
        s = self.series.get(key)
        return s.n if s is not None else 0

    # ------------------------------------------------------------------ drawing
    def _add_curve(self, key: str) -> None:
        if self.chart is not None:
            self.chart.add_curve(key)
        # The legend in one fixed order (G, D, penalties), whatever order the curves first arrived in.
        self.legend.set_entries([CURVES.get(k, (k, "#999999")) for k in sorted(self.series, key=legend_rank)])

    def redraw(self) -> None:
        self._dirty = False
        if self.chart is None:
            return  # drawn when first shown
        smoothed = self.smoothing > 0
        self.chart.draw(self.series, self.augment, self.kid, smoothed, self.raw_box.isChecked(), self.quality_text(),
                        self.following)

    def _on_manual_range(self) -> None:
        self.following = False

    def follow(self) -> None:
        """Back to fitting the whole run as it grows."""
        self.following = True
        if self.chart is not None:
            self.chart.reset_ranges()
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
        fg = pal.color(QPalette.ColorRole.Text)
        if self.chart is not None:
            self.chart.apply_palette(pal.color(QPalette.ColorRole.Base), fg)
        self.legend.set_text_colour(fg.name())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)
