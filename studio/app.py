"""`studio`, `studio PATH`, `studio --demo`: start Qt, open the main window, open what was asked for.

torch is not imported here: the window appears first, and torch loads in a background thread."""

from __future__ import annotations

import argparse
import os
import sys
import time

APP_NAME = "GAN Studio"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studio", description="GAN Studio: open an image folder or a run and train.")
    p.add_argument("path", nargs="?", help="a folder of images, or a run folder (opened live if being written)")
    p.add_argument("--demo", action="store_true", help="open the embedded demo images (written once per user)")
    p.add_argument("--start", action="store_true", help="start training as soon as the folder has been read")
    p.add_argument("--steps", type=int, help="with --start: train this many steps")
    return p


def configure_runtime() -> None:
    """Process settings for a window that trains in a thread: the training thread hands the GIL back to
    the GUI thread every 1 ms instead of CPython's 5 ms, so the event loop is never kept waiting long."""
    sys.setswitchinterval(0.001)


def run_app(argv: list[str]) -> int:
    t0 = time.perf_counter()
    args = build_parser().parse_args(argv)
    configure_runtime()
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    # Fusion draws with the palette, so the window follows the system's light or dark scheme.
    app.setStyle("Fusion")
    from studio.ui.base.threads import collect_garbage_in_gui_thread

    collect_garbage_in_gui_thread()
    from studio.ui.base import file_dialogs

    file_dialogs.install(app)  # Qt's own file dialog, where the desktop has none: its columns whole
    from studio.ui.main_window import MainWindow

    from studio.ui.app_icon import app_icon

    # Package data (studio/resources), so the icon is there from a wheel and a bundle too.
    app.setWindowIcon(app_icon())
    # On Wayland/X11 the desktop matches the window to gan-studio.desktop by this name.
    app.setDesktopFileName("gan-studio")
    window = MainWindow()
    window.show()
    shown = time.perf_counter() - t0
    if os.environ.get("GAN_STUDIO_TIMING"):
        print(f"window shown after {shown:.2f} s", file=sys.stderr, flush=True)
    open_requested(window, args)
    return app.exec()


def open_requested(window, args: argparse.Namespace) -> None:
    """What the command line asks for, once the event loop runs: the demo, or PATH through the window's one
    `open_path` (File ▸ Open, Open recent and drops use it too: a studio PNG opens the same way from each)."""
    from PySide6.QtCore import QTimer

    if args.start:
        window.autostart = True
        window.autostart_steps = args.steps
    if args.demo:
        QTimer.singleShot(0, window.open_demo)
    elif args.path:
        QTimer.singleShot(0, lambda: window.open_path(args.path))
