"""Quality metrics in the window: KID on its own small plot below the losses (from the worker's Quality
events and from a run's metrics.jsonl), the latest evaluation in words, and the training panel's setting."""

from __future__ import annotations

from pathlib import Path

from studio.core.formats.metrics_rows import LossRow, Quality, read_row
from studio.ui.run_on_disk import show_records


def _quality(step: int, kid: float) -> Quality:
    return Quality(step=step, kimg=step * 0.032, kid=kid, kid_std=kid / 10, fid=120.0, precision=0.6, recall=0.3,
                   density=0.8, coverage=0.4, fake_count=500, real_count=2000, seconds=60.0)


def test_kid_has_its_own_plot_fed_by_events_and_records(qtbot):
    from studio.ui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.add_records([LossRow(s, s / 100, 0.0, 0.0, 0.0, {"loss_g": 1.0, "loss_d": 0.5}) for s in range(1, 50)])
    assert plot.chart.quality_plot is None  # no evaluation yet: no empty KID axis
    plot.add_records([read_row({"step": 20, "kimg": 0.6, "kid": 0.080, "fid": 150.0, "density": 0.5,
                                "coverage": 0.2}),
                      read_row({"step": 50, "kimg": 1.6, "loss_g": 1.1, "loss_d": 0.4})])
    plot.add_quality(40, 0.040, 110.0, 0.7, 0.35)
    plot.redraw()
    assert plot.chart.quality_plot is not None
    x, y = plot.chart.kid_curve.getData()
    assert list(x) == [20, 40] and list(y) == [80.0, 40.0]  # KID × 10³
    assert plot.point_count("loss_g") == 50  # the quality record added no loss point
    # A loss term the plot has no colour for (a new LossSpec's) is followed as it is shown live.
    plot.add_records([read_row({"step": 51, "kimg": 1.7, "loss_g": 1.0, "rel_pair": 0.3})])
    assert plot.point_count("rel_pair") == 1
    assert "KID 40.00" in plot.quality_text() and "coverage 0.35" in plot.quality_text()
    plot.clear()
    assert plot.chart.quality_plot is None and plot.kid.n == 0


def test_window_plots_quality_events_and_follows_quality_records(qtbot, window):
    window.training.on_quality(_quality(100, 0.05))
    window.training.on_quality(_quality(200, 0.03))
    window.views.loss_plot.redraw()
    assert window.views.loss_plot.kid.n == 2
    assert "KID 30.00" in window.statusBar().currentMessage()
    # A metrics.jsonl batch ending in a quality record (no speed, no time) leaves the progress alone.
    show_records(window.presenter, [read_row({"step": 5, "kimg": 0.1, "time": 3.0, "images_per_second": 40.0,
                                              "loss_g": 1.0}),
                                    read_row({"step": 5, "kimg": 0.1, "kid": 0.2})])
    assert window.views.loss_plot.kid.n == 3


def test_panel_sets_metrics_interval_and_says_when_unavailable(qtbot, tmp_path: Path):
    from studio.ui.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    assert panel.config("x").metrics_every is None  # Auto: the core decides by device
    panel.metrics_every.setValue(25)
    panel.inception.setText(str(tmp_path / "missing.pt"))
    panel.inception.editingFinished.emit()
    cfg = panel.config("x")
    assert cfg.metrics_every == 25 and cfg.inception.endswith("missing.pt")
    assert not panel.metrics_available and "does not exist" in panel.metrics_note.text()
    from studio.core.training.config import TrainConfig

    panel.set_from_config(TrainConfig(metrics_every=0.0))
    assert panel.config("x").metrics_every == 0


def test_points_that_arrive_before_the_curves_are_shown_are_drawn_when_they_are(qtbot):
    """The chart (pyqtgraph) is built on first show, so launching does not import it: what arrived before
    (a followed run's history, a KID evaluation) is all there once the curves are shown."""
    from PySide6.QtGui import QPalette

    from studio.ui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    for s in range(1, 21):
        plot.add_point(s, {"loss_g": 1.0 + s / 100, "loss_d": 0.5}, 0.1)
    plot.add_quality(10, 0.050)
    assert plot.chart is None  # nothing drawn while hidden
    plot.show()
    qtbot.waitExposed(plot)
    chart = plot.chart
    assert chart is not None and sorted(chart.curves) == ["loss_d", "loss_g"]
    x, y = chart.curves["loss_g"].getData()
    assert len(x) == 20 and abs(float(y[-1]) - 1.2) < 0.05  # smoothed, but the run's level
    assert list(chart.kid_curve.getData()[1]) == [50.0]
    assert chart.view.backgroundBrush().color() == plot.palette().color(QPalette.ColorRole.Base)
