"""What the window costs training: images/s headless (as `studio train` runs) vs with the full window
attached (curves and sample grid updating), and the GUI event loop's latency meanwhile (a 10 ms QTimer
probe: how late each tick fires). One process, one data set, the same settings.

    QT_QPA_PLATFORM=offscreen python bench/gui_overhead.py            # or under Xvfb with DISPLAY set
    python bench/gui_overhead.py --seconds 20 --model dcgan --resolution 32 --batch 16

Targets (issue 3): ratio >= 0.95; p99 <= 20 ms and max <= 100 ms on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def config(args, data: Path):
    from studio.core.training.config import TrainConfig

    return TrainConfig(data=str(data), model=args.model, resolution=args.resolution, batch=args.batch,
                       steps=10_000_000, device="cpu", width=args.width, snapshot_minutes=1.0,
                       checkpoint_minutes=60.0)


def headless(args, data: Path, run: Path, dataset) -> float:
    """images/s of Trainer.events() with no window, in a plain thread as the GUI worker runs it.

    Not the main thread: on a busy 2-core machine torch's two-thread OpenMP team in the main thread ran
    up to 5x slower than the same loop in a fresh thread (measured here; with torch.set_num_threads(1)
    both ran alike), which would flatter the window. Same thread kind on both sides keeps it fair.
    """
    import threading

    out: list[float] = []
    t = threading.Thread(target=lambda: out.append(_headless(args, data, run, dataset)))
    t.start()
    t.join()
    return out[0]


def _headless(args, data: Path, run: Path, dataset) -> float:
    from studio.core.training.events import Progress
    from studio.core.training.trainer import Trainer

    trainer = Trainer(config(args, data), run, dataset=dataset)
    t_start = time.perf_counter()
    first: tuple[float, int] | None = None
    last: tuple[float, int] | None = None
    try:
        for ev in trainer.events():
            now = time.perf_counter()
            if isinstance(ev, Progress):
                if first is None and now - t_start >= args.warmup:
                    first = (now, trainer.nimg)
                elif first is not None:
                    last = (now, trainer.nimg)
                    if now - first[0] >= args.seconds:
                        trainer.stop()
    finally:
        trainer.close()
    assert first is not None and last is not None
    return (last[1] - first[1]) / (last[0] - first[0])


SHARES = None  # the Shares of this run (main)


class Shares:
    """Where the window's share goes: seconds spent, while a window segment is measured, in what the window
    adds to training — the live grid rendered in the training thread (the EMA generator on the fixed seeds)
    and turned into a QImage there, and in the GUI thread the grid shown, the curves and progress redrawn
    (the refresh timer) and the events dispatched — plus the health check (headless runs it too)."""

    PARTS = {
        "grid rendered (training thread)": ("studio.core.training.trainer", "Trainer", "sample_grid"),
        "grid to QImage (training thread)": ("studio.ui.worker", None, "to_qimage"),
        "health check (training thread; headless too)": ("studio.core.training.loop", "Loop", "_check_health"),
        "grid shown (GUI)": ("studio.ui.window_presenter", "WindowPresenter", "show_samples"),
        "curves + progress redrawn (GUI)": ("studio.ui.training_controller", "TrainingController", "refresh_views"),
        "events dispatched (GUI; the grid shown included)": ("studio.ui.training_controller", "TrainingController", "_on_event"),
    }

    def __init__(self) -> None:
        import importlib

        self.measuring = False
        self.total = 0.0  # measured seconds of window segments
        self.seconds = {name: 0.0 for name in self.PARTS}
        for name, (module, cls, attr) in self.PARTS.items():
            owner = importlib.import_module(module)
            owner = getattr(owner, cls) if cls else owner
            setattr(owner, attr, self._timed(name, getattr(owner, attr)))

    def _timed(self, name: str, fn):
        import functools
        import inspect

        if inspect.isgeneratorfunction(fn):  # a periodic task of the loop: time the whole generator
            @functools.wraps(fn)
            def gen(*a, **kw):
                t = time.perf_counter()
                result = yield from fn(*a, **kw)
                if self.measuring:
                    self.seconds[name] += time.perf_counter() - t
                return result
            return gen

        @functools.wraps(fn)
        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                if self.measuring:
                    self.seconds[name] += time.perf_counter() - t
        return timed


class WindowSession:
    """One main window, reused for every measured segment of training with the window attached."""

    def __init__(self, args, data: Path, home: Path) -> None:
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from studio.app import configure_runtime
        from studio.ui.main_window import MainWindow

        configure_runtime()  # as `studio` does; it applies to the headless segments too
        self.args = args
        self.app = QApplication.instance() or QApplication([])
        self.app.setStyle("Fusion")
        self.window = MainWindow(home=home, cache=home / "cache",
                                 settings=QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat),
                                 probe_devices=False)
        self.window.resize(1600, 1000)
        if args.refresh_ms:
            self.window.training.refresh.setInterval(args.refresh_ms)
        self.window.show()
        self.window.open_folder(data)
        while self.window.dataset is None:
            self.app.processEvents()
            time.sleep(0.01)
        tp = self.window.views.train_panel
        tp.model.setCurrentIndex(tp.model.findData(args.model))
        tp.resolution.setCurrentIndex(tp.resolution.findData(args.resolution))
        tp.batch.setValue(args.batch)
        tp.width.setValue(args.width)
        tp.length_unit.setCurrentIndex(tp.length_unit.findData("steps"))
        tp.length.setValue(10_000_000)
        tp.device.setCurrentIndex(tp.device.findData("cpu"))
        tp.checkpoint_minutes.setValue(60)
        self.window.confirm_stop = lambda: True
        # Opening each stopped segment in the explorer would compute its directions (PCA) during the
        # next headless segment and flatter the window.
        self.window.explore.on_finish = False

    def segment(self) -> tuple[float, np.ndarray, int, int, float]:
        """images/s over `seconds` after `warmup`, the probe's lateness in ms, grids and progress drawn,
        and the GUI thread's CPU use as a fraction of one core (immune to other processes' load)."""
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        args, window = self.args, self.window
        state: dict = {"t0": None, "first": None, "last": None, "grids": 0, "points": 0}
        ticks: list[float] = []
        probe = QTimer()
        probe.setInterval(10)
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.timeout.connect(lambda: ticks.append(time.perf_counter()))

        def on_progress(ev) -> None:
            now = time.perf_counter()
            if state["t0"] is None:
                state["t0"] = now
            if state["first"] is None and now - state["t0"] >= args.warmup:
                state["first"] = (now, ev.kimg)
                SHARES.measuring = True
                state["cpu0"] = time.thread_time()  # this slot runs in the GUI thread
                ticks.clear()
                probe.start()
            elif state["first"] is not None:
                state["last"] = (now, ev.kimg)
                state["points"] += 1
                if now - state["first"][0] >= args.seconds and window.state == "training":
                    state["gui_cpu"] = (time.thread_time() - state["cpu0"]) / (now - state["first"][0])
                    SHARES.total += now - state["first"][0]
                    SHARES.measuring = False
                    probe.stop()
                    window.stop_training()

        def on_samples(*_a) -> None:
            if state["first"] is not None:
                state["grids"] += 1

        window.views.train_panel.set_resumable(False)
        window.views.train_panel.run_folder.clear()
        window.start_training()
        from studio.core.training.events import Progress
        from studio.ui.worker import LiveSamples

        def on_event(ev) -> None:  # the training job's one event signal
            if isinstance(ev, Progress):
                on_progress(ev)
            elif isinstance(ev, LiveSamples):
                on_samples(ev)

        window.worker.yielded.connect(on_event)
        while window.worker is not None:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        first, last = state["first"], state["last"]
        ips = (last[1] - first[1]) * 1000 / (last[0] - first[0])
        late = (np.diff(np.asarray(ticks)) * 1000 - 10.0).clip(min=0)
        return ips, late, state["grids"], state["points"], state.get("gui_cpu", float("nan"))

    def close(self) -> None:
        self.window.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=6.0, help="measured seconds per segment")
    p.add_argument("--rounds", type=int, default=4, help="headless/window segments, alternated (noise on shared CPUs)")
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--model", default="dcgan")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--data", type=Path, help="image folder (default: 512 generated demo images)")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: the studio's choice)")
    p.add_argument("--refresh-ms", type=int, default=0, help="the window's redraw interval (0: as shipped)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.core.data import ImageFolder
    from studio.core.demo import write_demo_data

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = args.data or write_demo_data(tmp / "images", count=512, size=args.resolution)
        cfg = config(args, data)
        dataset = ImageFolder(data, cfg.data_config())
        print(f"{len(dataset)} images, {args.model} at {args.resolution} px, batch {args.batch}, width {args.width}, "
              f"CPU with {torch.get_num_threads()} threads, Qt platform {os.environ['QT_QPA_PLATFORM']}", flush=True)
        global SHARES
        SHARES = Shares()  # before the window is built: its timers and slots are the timed methods
        session = WindowSession(args, data, tmp / "home")
        heads, guis, lates, cpus = [], [], [], []
        for r in range(args.rounds):
            heads.append(headless(args, data, tmp / f"run-h{r}", dataset))
            gui, late, grids, points, gui_cpu = session.segment()
            guis.append(gui)
            cpus.append(gui_cpu)
            lates.append(late)
            print(f"round {r + 1}: headless {heads[-1]:7.1f} images/s | with the window {gui:7.1f} images/s "
                  f"({grids} grids, {points} progress updates drawn; GUI thread {100 * gui_cpu:.1f}% of a core)",
                  flush=True)
        heads.append(headless(args, data, tmp / "run-last", dataset))
        print(f"closing:  headless {heads[-1]:7.1f} images/s", flush=True)
        session.close()
    late = np.concatenate(lates)
    base = float(np.median(heads))
    gui = float(np.median(guis))
    p50, p99, mx = np.percentile(late, 50), np.percentile(late, 99), late.max()
    print(f"median headless {base:.1f} images/s, median with the window {gui:.1f} images/s")
    print(f"ratio (window / headless, medians): {gui / base:.3f}   target >= 0.95")
    print(f"GUI thread CPU while training: median {100 * float(np.median(cpus)):.1f}% of one core")
    print(f"where the window's share goes (seconds spent per second of window training, {SHARES.total:.0f} s):")
    for name, spent in SHARES.seconds.items():
        print(f"  {name:48} {100 * spent / max(SHARES.total, 1e-9):5.2f}%")
    print(f"event-loop lateness of a 10 ms timer over {len(late)} ticks: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {mx:.1f} ms   targets p99 <= 20, max <= 100")
    if args.json:
        args.json.write_text(json.dumps({
            "headless_ips": base, "window_ips": gui, "ratio": gui / base, "gui_cpu": float(np.median(cpus)),
            "late_p50_ms": float(p50), "late_p99_ms": float(p99), "late_max_ms": float(mx),
            "threads": torch.get_num_threads(), "rounds": {"headless": heads, "window": guis},
            "shares": {name: spent / max(SHARES.total, 1e-9) for name, spent in SHARES.seconds.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
