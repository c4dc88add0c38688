"""End-to-end: the real `studio` app under Xvfb, driven with xdotool like a person would: it opens
../shared/data/twemoji-64, starts training with Ctrl+Return, trains a few steps, shows the snapshot
comparison and the explorer, stops with Ctrl+. and quits with Ctrl+Q; a screenshot of each step is saved
(for a person to look at), and the window's size is checked against the screen at each step.

    python tests/e2e/xvfb_session.py --out /tmp/shots [--data DIR] [--seconds 20] [--screen 1024x700]

Needs Xvfb, xdotool and ImageMagick's `import` (Debian: xvfb xdotool imagemagick libxcb-cursor0
libxcb-icccm4 libxcb-keysyms1). Settings and runs go to a temporary home, never the user's.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
from tests.conftest import HANG_GUARD_S, TWEMOJI  # noqa: E402  the data folder every other test finds (GAN_STUDIO_TWEMOJI)

HANG_S = 2 * HANG_GUARD_S  # waits only guard against a hang: how fast is bench/'s (a loaded 2-core CI took > 120 s to start)
TOOLS = ("Xvfb", "xdotool", "import")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def _wait(pred, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited (code {proc.returncode}) while waiting for {what}")
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _free_display() -> int:
    for n in range(77, 120):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def run_session(out: Path, data: Path, seconds: float = 20.0, screen: str = "1600x1000") -> dict:
    """Drive one session on a screen of `screen` pixels; returns what was observed (paths of screenshots,
    run folder, steps, and `geometry`: the window's size at each screenshot)."""
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="studio-e2e-"))
    n = _free_display()
    display = f":{n}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{screen}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display, XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_CONFIG_HOME=str(home / "config"), GAN_STUDIO_TIMING="1")
    env.pop("QT_QPA_PLATFORM", None)
    log = open(out / "app.log", "w")
    app = None
    result: dict = {"screenshots": [], "geometry": {}, "screen": tuple(int(v) for v in screen.split("x"))}

    def sh(*cmd: str) -> str:
        return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=30).stdout

    def shot(name: str) -> None:
        path = out / f"{name}.png"
        sh("import", "-window", "root", str(path))
        result["screenshots"].append(str(path))
        window = sh("xdotool", "search", "--name", "^GAN Studio").split()[0]
        geometry = sh("xdotool", "getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in geometry.split())
        result["geometry"][name] = (int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"]))

    try:
        _wait(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), 10, "Xvfb")
        t0 = time.monotonic()
        app = subprocess.Popen([sys.executable, "-m", "studio", str(data)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=ROOT)
        _wait(lambda: subprocess.run(["xdotool", "search", "--name", "^GAN Studio"], env=env,
                                     capture_output=True).returncode == 0, HANG_S, "the window", app)
        result["window_seconds"] = round(time.monotonic() - t0, 2)
        runs = home / "data" / "gan-studio" / "runs"
        cache = home / "cache" / "gan-studio" / "datasets"
        _wait(lambda: any(cache.glob("*/*.npy")), HANG_S, "the folder to be read", app)
        time.sleep(5.0)  # the thumbnails and the augmentation preview follow the decoding
        shot("01-dataset")
        # No window manager: a click gives the window keyboard focus, then keys drive it.
        # On a loaded machine the window may still be busy reading the folder when the key arrives (Start
        # is enabled once the folder is read): press again, as a user would, until a run folder appears.
        def start_pressed() -> bool:
            if any(runs.glob("*")):
                return True
            sh("xdotool", "mousemove", "900", "500", "click", "1")
            sh("xdotool", "key", "--clearmodifiers", "ctrl+Return")
            time.sleep(10.0)
            return any(runs.glob("*"))

        _wait(start_pressed, HANG_S, "a run folder after Start (ctrl+Return)", app)
        _wait(lambda: any(runs.glob("*/metrics.jsonl")), HANG_S, "training to start", app)
        run = next(runs.glob("*/metrics.jsonl")).parent
        result["run"] = str(run)
        time.sleep(seconds)  # how long it trains before the screenshot; then at least one step must be logged
        _wait(lambda: any(line.strip() for line in (run / "metrics.jsonl").read_text().splitlines()),
              HANG_S, "a logged training step", app)
        shot("02-training")
        sh("xdotool", "key", "--clearmodifiers", "ctrl+period")
        _wait(lambda: any((run / "checkpoints").glob("*.safetensors")), HANG_S, "the checkpoint on stop", app)
        time.sleep(2.0)
        shot("03-stopped")
        sh("xdotool", "key", "--clearmodifiers", "ctrl+3")
        time.sleep(6.0)
        shot("04-snapshots")
        sh("xdotool", "key", "--clearmodifiers", "ctrl+4")
        time.sleep(8.0)
        shot("05-explore")
        sh("xdotool", "key", "--clearmodifiers", "ctrl+1")
        time.sleep(1.0)
        shot("06-live")
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
        result["steps"] = records[-1]["step"] if records else 0
        result["checkpoints"] = sorted(p.name for p in (run / "checkpoints").glob("*.safetensors"))
        sh("xdotool", "key", "--clearmodifiers", "ctrl+q")
        app.wait(timeout=30)
        result["exit_code"] = app.returncode
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            app.wait(timeout=30)
        xvfb.terminate()
        xvfb.wait(timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)
    result["log"] = (out / "app.log").read_text()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "studio-shots")
    p.add_argument("--data", type=Path, default=TWEMOJI)
    p.add_argument("--seconds", type=float, default=20.0, help="how long to let it train before the screenshot")
    p.add_argument("--screen", default="1600x1000", help="the virtual screen's size, WIDTHxHEIGHT")
    args = p.parse_args()
    if missing_tools():
        print(f"missing: {', '.join(missing_tools())}", file=sys.stderr)
        return 2
    result = run_session(args.out, args.data, args.seconds, args.screen)
    print(json.dumps({k: v for k, v in result.items() if k != "log"}, indent=1))
    print(result["log"], file=sys.stderr)
    return 0 if result.get("exit_code") == 0 and result.get("steps", 0) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
