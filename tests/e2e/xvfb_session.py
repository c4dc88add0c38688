"""End-to-end: the real `studio` app under Xvfb, watched and driven from outside like a person would: it
opens a folder of emoji (tests/data/twemoji) with `--start`, trains, and the session looks at the screen:
the live sample grid at two moments of training, Stop (Ctrl+.), the finished run's picture in Explore,
Explore's Export… (clicked), then Quit (Ctrl+Q). Every wait is for something to happen (a file, a row of
the metrics log, pixels on the screen), bounded only against a hang. A screenshot of each step is kept
for a person to look at, and the window's geometry at each one.

    python tests/e2e/xvfb_session.py --out /tmp/shots [--data DIR] [--screen 1024x700]

Needs Xvfb, xdotool and ImageMagick's `import` (Debian: xvfb xdotool imagemagick libxcb-cursor0
libxcb-icccm4 libxcb-keysyms1). Home, settings, runs and exports go to a temporary home, never the user's.
Where the pictures and buttons are on the screen comes from tests/e2e/probed_app.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
from tests.conftest import HANG_GUARD_S, TWEMOJI  # noqa: E402  the data folder every other test finds

HANG_S = 2 * HANG_GUARD_S  # waits only guard against a hang: how fast is bench/'s (a loaded 2-core CI took > 120 s to start)
TOOLS = ("Xvfb", "xdotool", "import")
PROBED_APP = Path(__file__).with_name("probed_app.py")
# The live grid is fed between steps, at most once a second (core/training/loop.py, Rates.samples): a grid
# still the same this many logged steps and seconds of training later (the run's own log) is not updating.
GRID_CHANGE_WITHIN = (3, 3.0)  # steps, seconds

Rect = tuple[int, int, int, int]  # x, y, width, height on the screen


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def wait_for(pred, what: str, proc: subprocess.Popen | None = None, timeout: float = HANG_S, poll: float = 0.2):
    """`pred()`'s first truthy answer; TimeoutError after `timeout` s, RuntimeError if `proc` exits first."""
    end = time.monotonic() + timeout
    while True:
        answer = pred()
        if answer:
            return answer
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited (code {proc.returncode}) while waiting for {what}")
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


def _free_display() -> int:
    for n in range(83, 130):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def crop(screen: np.ndarray, rect: Rect) -> np.ndarray:
    x, y, w, h = rect
    return screen[y:y + h, x:x + w]


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ between two captures of the same region (0 when sizes differ); the
    captures are lossless, so a pixel nothing repainted is the same to the bit."""
    if a.shape != b.shape:
        return 0.0
    return float(np.any(a != b, axis=-1).mean())


def covered(region: np.ndarray) -> float:
    """The share of a view's pixels that are not its ground (its corner's colour): a placeholder's line of
    text covers a few per cent, a picture or a grid of samples most of the view."""
    ground = region[0, 0].astype(int)
    return float(np.any(np.abs(region.astype(int) - ground) > 8, axis=-1).mean())


def is_picture(region: np.ndarray | None) -> bool:
    return region is not None and region.size > 0 and covered(region) > 0.25


@dataclass
class Observed:
    """What one session saw."""

    screen: tuple[int, int]
    screenshots: list[str] = field(default_factory=list)
    geometry: dict[str, Rect] = field(default_factory=dict)  # the window, at each screenshot
    window_seconds: float = 0.0
    run: Path | None = None
    grid_first: np.ndarray | None = None  # the live grid's region at two moments of training
    grid_later: np.ndarray | None = None
    grid_steps: tuple[int, int] = (0, 0)  # the last logged step at each
    grid_rects: tuple[Rect | None, Rect | None] = (None, None)  # where the grid was at each
    explore_empty: np.ndarray | None = None  # Explore's picture region before a checkpoint is open
    explore_picture: np.ndarray | None = None  # the same region once the finished run is open
    exported: Path | None = None  # what Explore's Export wrote
    steps: int = 0
    checkpoints: list[str] = field(default_factory=list)
    exit_code: int | None = None
    log: str = ""


def run_session(out: Path, data: Path, home: Path, screen: str = "1600x1000") -> Observed:
    """Drive one session on a screen of `screen` pixels (WIDTHxHEIGHT), with `home` as the home folder (its
    run, checkpoints and export stay there for the caller to read)."""
    out.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    n = _free_display()
    display = f":{n}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{screen}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe_file = home / "probe.json"
    env = dict(os.environ, DISPLAY=display, HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"), GAN_STUDIO_TIMING="1",
               GAN_STUDIO_E2E_PROBE=str(probe_file))
    env.pop("QT_QPA_PLATFORM", None)
    log = open(out / "app.log", "w")
    app = None
    seen = Observed(screen=tuple(int(v) for v in screen.split("x")))
    runs = home / "data" / "gan-studio" / "runs"

    def sh(*cmd: str) -> str:
        return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=30).stdout

    def window() -> str:
        return sh("xdotool", "search", "--onlyvisible", "--name", "^GAN Studio").split()[0]

    def window_rect() -> Rect:
        values = dict(line.split("=", 1) for line in sh("xdotool", "getwindowgeometry", "--shell", window()).split())
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def grab(name: str | None = None) -> np.ndarray:
        """The whole screen now; kept as NAME.png (with the window's geometry) when named."""
        path = out / f"{name or '_latest'}.png"
        sh("import", "-window", "root", str(path))
        if name:  # a step may be grabbed again while it is waited for: its last grab is kept
            if str(path) not in seen.screenshots:
                seen.screenshots.append(str(path))
            seen.geometry[name] = window_rect()
        return np.asarray(Image.open(path).convert("RGB"))

    def where(target: str, after: float | None = None) -> Rect | None:
        """Where the probe last saw `target`; `after` (a time.time()): as written after that moment."""
        if after is not None:
            wait_for(lambda: probe_file.stat().st_mtime > after, "the probe's next report", app, poll=0.05)
        try:
            rect = json.loads(probe_file.read_text()).get(target)
        except (OSError, ValueError):
            return None
        return tuple(rect) if rect else None

    def click(rect: Rect) -> None:
        x, y, w, h = rect
        sh("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")

    def keys(combo: str) -> None:
        """A key press for the main window, given the keyboard first (no window manager here to do it)."""
        sh("xdotool", "windowfocus", "--sync", window())
        sh("xdotool", "key", "--clearmodifiers", combo)

    def metrics() -> list[dict]:
        assert seen.run is not None
        lines = (seen.run / "metrics.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip().endswith("}")]

    def capture(target: str, name: str | None = None) -> tuple[np.ndarray, Rect] | None:
        """(screen, where `target` is) from a screenshot taken while the probe saw it in the same place before
        and after (a message appearing over the tabs moves the views); None if hidden or moving."""
        rect = where(target)
        if rect is None:
            return None
        stamp = time.time()
        screen_now = grab(name)
        return (screen_now, rect) if where(target, after=stamp) == rect else None

    def shown(target: str, name: str | None = None) -> tuple[np.ndarray, Rect] | None:
        """capture(), once there is a picture in `target`."""
        got = capture(target, name)
        return got if got is not None and is_picture(crop(*got)) else None

    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), "Xvfb", timeout=10)
        t0 = time.monotonic()
        app = subprocess.Popen([sys.executable, str(PROBED_APP), str(data), "--start"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=ROOT)
        wait_for(lambda: subprocess.run(["xdotool", "search", "--name", "^GAN Studio"], env=env,
                                        capture_output=True).returncode == 0, "the window", app)
        seen.window_seconds = round(time.monotonic() - t0, 2)

        # Training: --start begins once the folder is read; its first logged step, then the live grid.
        wait_for(lambda: any(runs.glob("*/metrics.jsonl")), "training to start (--start)", app)
        seen.run = next(runs.glob("*/metrics.jsonl")).parent
        wait_for(lambda: metrics(), "a logged training step", app)
        screen_a, grid = wait_for(lambda: shown("live_grid", "01-training"), "the live grid's first samples", app)
        seen.grid_first = crop(screen_a, grid)
        first_row = metrics()[-1]

        def grid_moved() -> bool:
            got = capture("live_grid", "02-training-later")
            if got is not None:
                seen.grid_later, seen.grid_rects = crop(*got), (grid, got[1])
                if got[1] == grid and changed(seen.grid_first, seen.grid_later) > 0.02:
                    return True  # the same place on the screen, other pixels
            # Trained on and the grid still the same: stop waiting, the test says so.
            last, (steps, seconds) = metrics()[-1], GRID_CHANGE_WITHIN
            return last["step"] >= first_row["step"] + steps and last["time"] >= first_row["time"] + seconds

        wait_for(grid_moved, "the live grid to change (or the run to train on)", app, poll=0.5)
        seen.grid_steps = (first_row["step"], metrics()[-1]["step"])

        # Explore (Ctrl+4; the tab is there once torch has loaded) shows its empty canvas while training runs.
        def explore_shown() -> Rect | None:
            if where("explore_picture") is None:
                keys("ctrl+4")
            return where("explore_picture")

        wait_for(explore_shown, "the Explore tab (Ctrl+4)", app, poll=1.0)
        seen.explore_empty = crop(*wait_for(lambda: capture("explore_picture", "03-explore-empty"),
                                            "Explore's empty canvas", app))
        # Stop (Ctrl+.): the run's lock goes when its last checkpoint is written; the finished run opens in
        # Explore, which shows its picture.
        keys("ctrl+period")
        wait_for(lambda: not (seen.run / ".lock").exists(), "training to stop (Ctrl+.)", app)
        assert any((seen.run / "checkpoints").glob("*.safetensors")), "stopped without a checkpoint"

        # (A message over the tabs may have moved the picture since: the probe says where it is now.) The
        # picture counts once two looks in a row see the same pixels: rendering has settled.
        looks: list[np.ndarray] = []

        def picture_settled() -> bool:
            got = shown("explore_picture", "04-explore")
            if got is None:
                return False
            looks.append(crop(*got))
            return len(looks) > 1 and looks[-2].shape == looks[-1].shape and changed(looks[-2], looks[-1]) == 0

        wait_for(picture_settled, "the finished run's picture in Explore", app, poll=0.5)
        seen.explore_picture = looks[-1]

        # Export… in Explore, then the dialog's Export: a PNG in the export folder (in this home).
        click(wait_for(lambda: where("explore_export"), "Explore's Export… button", app))
        click(wait_for(lambda: where("export_dialog_export"), "the Export dialog", app))
        exports = home / "Pictures"  # Qt's Pictures folder in this home; exports go to "GAN Studio" in it
        seen.exported = wait_for(lambda: next((p for p in exports.rglob("*.png") if not p.name.startswith(".")),
                                              None), "the exported PNG", app)
        grab("05-exported")

        records = metrics()
        seen.steps = records[-1]["step"] if records else 0
        seen.checkpoints = sorted(p.name for p in (seen.run / "checkpoints").glob("*.safetensors"))
        keys("ctrl+q")
        app.wait(timeout=HANG_S)
        seen.exit_code = app.returncode
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            app.wait(timeout=30)
        xvfb.terminate()
        xvfb.wait(timeout=10)
        log.close()
        seen.log = (out / "app.log").read_text()
    return seen


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "studio-shots")
    p.add_argument("--data", type=Path, default=TWEMOJI)
    p.add_argument("--screen", default="1600x1000", help="the virtual screen's size, WIDTHxHEIGHT")
    args = p.parse_args()
    if missing_tools():
        print(f"missing: {', '.join(missing_tools())}", file=sys.stderr)
        return 2
    home = Path(tempfile.mkdtemp(prefix="studio-e2e-"))
    seen = run_session(args.out, args.data, home, args.screen)
    print(f"home (run, export): {home}", file=sys.stderr)
    print(json.dumps({"screenshots": seen.screenshots, "geometry": seen.geometry, "steps": seen.steps,
                      "grid_steps": seen.grid_steps, "exported": str(seen.exported),
                      "window_seconds": seen.window_seconds}, indent=1))
    print(seen.log, file=sys.stderr)
    return 0 if seen.exit_code == 0 and seen.steps > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
