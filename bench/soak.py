"""Soak: the real studio window training for a long time with live curves and sample grids. Reports the
process's RSS growth after a warm-up, the UI stalls (a 10 ms QTimer probe's lateness over 100 ms), and
whether the curves stay responsive at the end (the time of a full redraw of every curve, and how many
points the plot holds: old points are thinned, loss_plot.Series.max_points).

    QT_QPA_PLATFORM=offscreen python bench/soak.py                 # 30 minutes (or under Xvfb: DISPLAY=:N)
    python bench/soak.py --minutes 10 --json soak.json

Targets (issue 5): RSS growth after warm-up <= 50 MB; stalls over 100 ms: few (reported, with the worst).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    """Resident set size now (Linux /proc; elsewhere the peak, which only overstates growth)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def soak(minutes: float, warmup: float, model: str = "dcgan", resolution: int = 32, batch: int = 16,
         width: int = 32, data: Path | None = None, sample_every: float = 5.0, log=print) -> dict:
    """Train in a MainWindow for `minutes` (wall clock, warm-up included); returns the measurements."""
    import numpy as np
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from studio.app import configure_runtime
    from studio.core.demo import write_demo_data
    from studio.ui.main_window import MainWindow

    configure_runtime()
    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = data or write_demo_data(tmp / "images", count=256, size=resolution)
        window = MainWindow(home=tmp / "home", cache=tmp / "cache", probe_devices=False,
                            settings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
        window.confirm_stop = lambda: True
        window.explore.on_finish = False
        window.resize(1600, 1000)
        window.show()
        window.open_folder(data)
        while window.dataset is None or window.loader is not None:
            app.processEvents()
            time.sleep(0.01)
        tp = window.views.train_panel
        tp.model.setCurrentIndex(tp.model.findData(model))
        tp.resolution.setCurrentIndex(tp.resolution.findData(resolution))
        tp.batch.setValue(batch)
        tp.width.setValue(width)
        tp.length_unit.setCurrentIndex(tp.length_unit.findData("steps"))
        tp.length.setValue(tp.length.maximum())
        tp.device.setCurrentIndex(tp.device.findData("cpu"))
        tp.snapshot_minutes.setValue(0.25)  # the timelapse grows through the soak too
        tp.checkpoint_minutes.setValue(2.0)
        window.views.tabs.setCurrentWidget(window.views.tabs.widget(0))  # Live: curves and the sample grid on screen

        ticks: list[float] = []
        probe = QTimer()
        probe.setInterval(10)
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
        samples: list[tuple[float, float]] = []  # (seconds since start, RSS MB)
        counts = {"progress": 0, "grids": 0}
        t0 = time.perf_counter()

        def sample() -> None:
            samples.append((time.perf_counter() - t0, rss_mb()))

        sampler = QTimer()
        sampler.setInterval(int(sample_every * 1000))
        sampler.timeout.connect(sample)
        window.start_training()
        worker = window.worker
        from studio.core.training.events import Progress
        from studio.ui.worker import LiveSamples

        def count(ev) -> None:  # the training job's one event signal
            kind = "progress" if isinstance(ev, Progress) else "grids" if isinstance(ev, LiveSamples) else None
            if kind is not None:
                counts[kind] += 1

        worker.yielded.connect(count)
        probe.start()
        sampler.start()
        sample()
        def report() -> None:
            log(f"  {(time.perf_counter() - t0) / 60:5.1f} min: RSS {rss_mb():7.1f} MB, "
                f"{counts['progress']} progress updates, {counts['grids']} grids, "
                f"{window.views.loss_plot.point_count('loss_g')} points plotted", flush=True)

        reporter = QTimer()
        reporter.setInterval(60_000)
        reporter.timeout.connect(report)
        reporter.start()
        loop = QEventLoop()  # the application's event loop, as `studio` runs it
        QTimer.singleShot(int(minutes * 60_000), loop.quit)
        worker.finished.connect(loop.quit)  # a training failure ends the soak early (reported below)
        loop.exec()
        reporter.stop()
        sample()
        probe.stop()
        sampler.stop()
        # Curves at the end: a full redraw of every curve (setData on all of them) and a repaint.
        plot = window.views.loss_plot
        redraws = []
        for _ in range(5):
            t = time.perf_counter()
            plot.redraw()
            plot.ensure_chart().view.repaint()
            redraws.append((time.perf_counter() - t) * 1000)
        points = {k: s.n for k, s in plot.series.items()}
        trained = window.worker is not None  # still training when the soak ended (not failed)
        window.stop_training()
        while window.worker is not None:
            app.processEvents()
            time.sleep(0.01)
        window.close()
        app.processEvents()

    gaps = np.diff(np.asarray(ticks)) * 1000 if len(ticks) > 1 else np.zeros(0)
    late = (gaps - 10.0).clip(min=0)
    t = np.asarray([s for s, _ in samples])
    r = np.asarray([m for _, m in samples])
    after = t >= warmup
    base = float(r[after][0]) if after.any() else float(r[-1])
    slope = float(np.polyfit(t[after] / 3600, r[after], 1)[0]) if after.sum() >= 3 else float("nan")
    return {
        "minutes": minutes, "warmup_seconds": warmup, "model": model, "resolution": resolution, "batch": batch,
        "rss_start_mb": float(r[0]), "rss_after_warmup_mb": base, "rss_end_mb": float(r[-1]),
        "rss_max_after_warmup_mb": float(r[after].max()) if after.any() else float(r[-1]),
        "rss_growth_mb": float(r[-1]) - base, "rss_slope_mb_per_hour": slope,
        "stalls_over_100ms": int((late > 100).sum()), "worst_stall_ms": float(late.max()) if late.size else 0.0,
        "lateness_p50_ms": float(np.percentile(late, 50)) if late.size else 0.0,
        "lateness_p99_ms": float(np.percentile(late, 99)) if late.size else 0.0,
        "probe_ticks": int(len(ticks)), "progress_updates": counts["progress"], "grids": counts["grids"],
        "points_plotted": points, "redraw_ms_median": float(np.median(redraws)),
        "rss_samples": [[round(a, 1), round(b, 1)] for a, b in samples], "trained_to_the_end": trained,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=30.0, help="wall-clock length, warm-up included")
    p.add_argument("--warmup", type=float, default=None, help="seconds before the RSS baseline (default: "
                                                               "2 minutes, or a fifth of a shorter soak)")
    p.add_argument("--model", default="dcgan")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--data", type=Path, help="image folder (default: 256 generated demo images)")
    p.add_argument("--json", type=Path, help="also write the measurements here")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    warmup = args.warmup if args.warmup is not None else min(120.0, args.minutes * 60 / 5)
    print(f"soak: {args.minutes:g} min of {args.model} at {args.resolution} px, batch {args.batch}, "
          f"in the window (Qt platform {os.environ['QT_QPA_PLATFORM']}); RSS baseline after {warmup:.0f} s",
          flush=True)
    res = soak(args.minutes, warmup, args.model, args.resolution, args.batch, args.width, args.data)
    print(f"RSS: {res['rss_start_mb']:.0f} MB at start, {res['rss_after_warmup_mb']:.0f} MB after warm-up, "
          f"{res['rss_end_mb']:.0f} MB at the end (max {res['rss_max_after_warmup_mb']:.0f})")
    print(f"RSS growth after warm-up: {res['rss_growth_mb']:+.1f} MB (slope {res['rss_slope_mb_per_hour']:+.1f} "
          f"MB/hour)   target <= 50 MB")
    print(f"UI stalls > 100 ms: {res['stalls_over_100ms']} (worst {res['worst_stall_ms']:.0f} ms; 10 ms probe "
          f"lateness p50 {res['lateness_p50_ms']:.1f} ms, p99 {res['lateness_p99_ms']:.1f} ms over "
          f"{res['probe_ticks']} ticks)")
    print(f"drawn: {res['progress_updates']} progress updates, {res['grids']} grids; curves hold "
          f"{res['points_plotted']} points; a full redraw of the curves at the end: "
          f"{res['redraw_ms_median']:.1f} ms (median of 5)")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
