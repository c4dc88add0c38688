"""Tries a built bundle as a person would, under Xvfb: starts dist/gan-studio/studio with a fresh
home, times how long until its window is on screen, waits for the welcome view to fill in, takes a
screenshot, quits with Ctrl+Q, and trains 2 steps headless with the bundle's own `studio train`.

    python packaging/smoke_test_bundle.py [--bundle dist/gan-studio] [--display 85] [--out shots/]

Needs Xvfb, xdotool and ImageMagick's `import`. Prints one JSON line with what it measured."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_for(pred, timeout: float, what: str, proc: subprocess.Popen | None = None) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before {what}")
        time.sleep(0.05)
    raise TimeoutError(f"no {what} after {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, default=ROOT / "dist" / "gan-studio")
    p.add_argument("--display", type=int, default=85)
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bundle-smoke")
    p.add_argument("--settle", type=float, default=45.0, help="seconds to let the welcome view measure the speed")
    args = p.parse_args(argv)
    exe = args.bundle / "studio"
    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="studio-bundle-"))
    display = f":{args.display}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(DISPLAY=display, HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_CONFIG_HOME=str(home / "config"), GAN_STUDIO_TIMING="1")
    env["PATH"] = "/usr/bin:/bin"  # nothing of a development environment
    xvfb = None
    if not Path(f"/tmp/.X11-unix/X{args.display}").exists():
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{args.display}").exists(), 10, "Xvfb")
    result: dict = {"bundle": str(args.bundle)}
    log = open(args.out / "bundle-app.log", "w")
    app = None
    try:
        app = subprocess.Popen([str(exe)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)

        def window_shown() -> bool:
            return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^GAN Studio$"], env=env,
                                  capture_output=True).returncode == 0

        result["window_seconds"] = round(wait_for(window_shown, 120, "window", app), 2)
        time.sleep(args.settle)
        shot = args.out / "bundle-welcome.png"
        subprocess.run(["import", "-window", "root", str(shot)], env=env, check=True, timeout=30)
        result["screenshot"] = str(shot)
        # No window manager under Xvfb: a click on an empty part of the window gives it the keyboard.
        subprocess.run(["xdotool", "mousemove", "800", "120", "click", "1"], env=env, capture_output=True, timeout=30)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], env=env, capture_output=True, timeout=30)
        try:
            app.wait(timeout=60)
            result["exit_code"] = app.returncode
        except subprocess.TimeoutExpired:
            result["exit_code"] = "still running 60 s after Ctrl+Q"
        log.close()
        result["app_log_tail"] = (args.out / "bundle-app.log").read_text()[-600:]
        demo = home / "demo"
        subprocess.run([str(exe), "demo-data", str(demo), "--count", "8", "--size", "16"], env=env, check=True,
                       capture_output=True, timeout=300)
        r = subprocess.run([str(exe), "train", str(demo), "--out", str(home / "run"), "--model", "dcgan",
                            "--resolution", "16", "--batch", "4", "--width", "16", "--steps", "2", "--device", "cpu",
                            "--quiet"], env=env, capture_output=True, text=True, timeout=600)
        result["train_exit_code"] = r.returncode
        result["train_checkpoint"] = (home / "run" / "checkpoints" / "step-00000002.safetensors").exists()
        if r.returncode:
            result["train_stderr"] = r.stderr[-1500:]
    finally:
        if app is not None and app.poll() is None:
            app.kill()
        if xvfb is not None:
            xvfb.terminate()
    print(json.dumps(result))
    return 0 if result.get("exit_code") == 0 and result.get("train_checkpoint") else 1


if __name__ == "__main__":
    sys.exit(main())
