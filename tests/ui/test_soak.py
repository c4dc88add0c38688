"""Long runs, reduced for CI: bench/soak.py (the real window training with live curves and grids) for ~35 s,
RSS growth after warm-up bounded and no long UI stall; the curves' point store stays bounded for any length."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_soak_reduced(tmp_path: Path):
    out = tmp_path / "soak.json"
    minutes = float(os.environ.get("GAN_STUDIO_SOAK_MINUTES", "0.6"))
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", str(minutes),
                        "--warmup", str(min(12.0, minutes * 12)), "--resolution", "16", "--width", "16",
                        "--batch", "8", "--json", str(out)],
                       capture_output=True, text=True, timeout=int(minutes * 60) + 240,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    print(r.stdout)
    assert res["trained_to_the_end"] and res["progress_updates"] > 10 and res["grids"] > 5
    assert res["rss_growth_mb"] <= 50, res["rss_samples"]
    # The fitted RSS slope after warm-up, held to the same 50 MB over the span it was fitted on: a steady
    # leak fails here even when the last sample happens to fall low. ~30 s cannot resolve small leaks (a
    # 50 MB allowance is ~1.7 MB/s here); bench/soak.py's 30-minute run is where those are measured.
    span_h = (res["rss_samples"][-1][0] - res["warmup_seconds"]) / 3600
    assert res["rss_slope_mb_per_hour"] * span_h <= 50, (res["rss_slope_mb_per_hour"], res["rss_samples"])
    # UI stalls and redraw times are timings: bench/soak.py reports them (worst_stall_ms, redraw_ms_median).


def test_curves_stay_bounded_for_any_run_length(qtbot):
    from studio.ui.widgets.loss_plot import LossPlot, Series

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    n = 3 * Series.max_points + 123  # several thinnings: days of reports at 5 a second, in kind
    rng = np.random.default_rng(0)
    for i in range(n):
        plot.add_point(float(i), {"loss_g": float(rng.normal(1, 0.1)), "loss_d": float(rng.normal(0.5, 0.1))},
                       0.5)
    s = plot.series["loss_g"]
    assert s.n <= Series.max_points and s.bin == 4
    x, y = s.view(False)
    assert np.all(np.diff(x) > 0) and x[0] < 4 and x[-1] > n - 5  # the whole run, in order, at one resolution
    assert abs(float(y.mean()) - 1.0) < 0.01  # averaging keeps the level
    plot.redraw()  # must complete on the bounded store (how long it takes: bench/soak.py's redraw_ms_median)
    plot.chart.view.repaint()
    drawn_x, _ = plot.chart.curves["loss_g"].getData()
    assert drawn_x is not None and len(drawn_x) <= Series.max_points
