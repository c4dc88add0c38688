"""`studio ARGS...` (studio.app.run_app, the very code `python -m studio ARGS` runs) plus a probe for the
e2e session: a few times a second it writes, to the JSON file named by GAN_STUDIO_E2E_PROBE, where on the
screen the pictures the session looks at and the buttons it clicks are (x, y, width, height; null while
hidden). The session reads the pixels themselves from screenshots, and clicks with xdotool.

    GAN_STUDIO_E2E_PROBE=/tmp/probe.json python tests/e2e/probed_app.py FOLDER --start
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

PROBE_MS = 200


def on_screen(widgets) -> dict[str, list[int] | None]:
    """The one place the e2e session reaches into the window: each target found by what the artist sees
    (a placeholder text, a button's label, its window's title), never by an attribute name, so that
    reorganising the window's code does not move it. Returns name -> [x, y, w, h] on the screen, or None."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QPushButton

    def placeholder(start: str):
        return lambda w: str(getattr(w, "placeholder", "")).startswith(start)

    targets = {
        "live_grid": placeholder("Samples from fixed seeds"),  # the Live tab's sample grid
        "explore_picture": placeholder("Open a run folder or checkpoint"),  # the Explore tab's image
        "explore_export": lambda w: isinstance(w, QPushButton) and w.text() == "Export…",
        "export_dialog_export": lambda w: (isinstance(w, QPushButton) and w.text() == "Export"
                                           and w.window().windowTitle() == "Export"),
    }
    found: dict[str, list[int] | None] = dict.fromkeys(targets)
    for w in widgets:
        for name, is_it in targets.items():
            if found[name] is None and w.isVisible() and w.isEnabled() and is_it(w):
                p = w.mapToGlobal(QPoint(0, 0))
                found[name] = [p.x(), p.y(), w.width(), w.height()]
    return found


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.app import run_app

    out = Path(os.environ["GAN_STUDIO_E2E_PROBE"])
    app = QApplication([sys.argv[0], *argv])

    def write() -> None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(on_screen(app.allWidgets())))
        tmp.replace(out)  # the session never reads half a file

    timer = QTimer()
    timer.timeout.connect(write)
    timer.start(PROBE_MS)
    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
