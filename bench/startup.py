"""Waiting times an artist feels: app launch -> window shown, and Start pressed -> first sample grid painted.

Launch: `studio` is spawned as a fresh process (a new home, so the welcome view opens) and timed from the
spawn to the moment it reports its window shown (GAN_STUDIO_TIMING=1), interpreter start-up included.
First grid: a real MainWindow in this process opens the demo folder at 32 px; the clock starts when
Start is pressed (`start_training`, as the button does) and stops when the first live grid has been
painted. Each repeat uses a fresh run folder; the first repeat includes torch's first training step.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--repeats 3] [--resolution 32] [--json out.json]

Targets (issue 7): launch -> window <= 3 s; Start -> first grid <= 3 s on CPU at 32 px (demo data).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def launch_seconds(home: Path) -> float:
    """Spawn `python -m studio` and wait for its 'window shown' line; then close it."""
    env = dict(os.environ, GAN_STUDIO_TIMING="1", HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_DATA_HOME=str(home / "data"))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "studio"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "window shown" in line:
                return time.perf_counter() - t0
        raise RuntimeError(f"studio exited with {proc.wait()} before showing its window")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def first_grid_seconds(window, app, run_dir: Path) -> float:
    """Press Start; seconds until the first live grid has been painted."""
    from PySide6.QtCore import QEventLoop

    painted: list[float] = []
    window.views.train_panel.set_resumable(False)
    window.views.train_panel.run_folder.setText(str(run_dir))
    t0 = time.perf_counter()
    window.start_training()
    from studio.ui.worker import LiveSamples

    window.worker.yielded.connect(lambda ev: painted.append(time.perf_counter()) if isinstance(ev, LiveSamples)
                                  else None)
    while not painted:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    window.views.grid.repaint()  # the frame the artist sees; offscreen this draws into the backing store
    app.processEvents()
    seconds = time.perf_counter() - t0
    window.stop_training()
    while window.worker is not None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    return seconds


def measure(repeats: int, resolution: int, model: str) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from studio.core.demo import write_demo_data

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out["launch_s"] = [launch_seconds(tmp / f"home-launch-{i}") for i in range(repeats)]
        from studio.app import configure_runtime
        from studio.ui.main_window import MainWindow

        configure_runtime()
        app = QApplication.instance() or QApplication([])
        app.setStyle("Fusion")
        home = tmp / "home"
        window = MainWindow(home=home, cache=home / "cache",
                            settings=QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat),
                            probe_devices=False)
        window.resize(1600, 1000)
        window.show()
        window.confirm_stop = lambda: True
        window.explore.on_finish = False
        data = write_demo_data(tmp / "demo", count=256, size=resolution)
        window.open_folder(data)
        while window.dataset is None:
            app.processEvents()
            time.sleep(0.01)
        tp = window.views.train_panel
        tp.model.setCurrentIndex(tp.model.findData(model))
        tp.resolution.setCurrentIndex(tp.resolution.findData(resolution))
        tp.device.setCurrentIndex(tp.device.findData("cpu"))
        out["first_grid_s"] = [first_grid_seconds(window, app, tmp / f"run-{i}") for i in range(repeats)]
        window.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--model", default="style", choices=("style", "dcgan"))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    r = measure(args.repeats, args.resolution, args.model)
    launch, grid = r["launch_s"], r["first_grid_s"]
    print(f"app launch -> window shown: median {statistics.median(launch):.2f} s  "
          f"({' '.join(f'{x:.2f}' for x in launch)})   target <= 3 s")
    print(f"Start -> first grid painted ({args.model}, {args.resolution} px, CPU): first {grid[0]:.2f} s, "
          f"median {statistics.median(grid):.2f} s  ({' '.join(f'{x:.2f}' for x in grid)})   target <= 3 s")
    if args.json:
        args.json.write_text(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
