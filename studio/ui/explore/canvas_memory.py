"""A run's canvas remembered: its pins, cursor and truncation in RUN/canvas.json (written atomically, as
the favourites are), so that reopening the run puts back the canvas the artist left. What is read back is
type-checked and capped; a file that cannot be read is reported and the default canvas used."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from superqt.utils import qdebounced

from studio.core.errors import StudioError
from studio.core.explore.canvas import CanvasState, Pin

FILE_NAME = "canvas.json"
MAX_PINS = 256
MAX_BYTES = 256 * 1024


def _unit(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{v!r} is not a number")
    return min(1.0, max(0.0, float(v)))


def load_canvas(run: Path) -> CanvasState | None:
    """The canvas saved in `run`, or None when there is none; StudioError when it cannot be read."""
    path = Path(run) / FILE_NAME
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError("the file is too large")
        data = json.loads(path.read_text(encoding="utf-8"))
        pins = []
        for item in data["pins"][:MAX_PINS]:
            seed, x, y = item
            if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
                raise ValueError(f"{seed!r} is not a seed")
            pins.append(Pin(seed, _unit(x), _unit(y)))
        cx, cy = data["cursor"]
        psi = data["truncation"]
        if isinstance(psi, bool) or not isinstance(psi, (int, float)) or not 0.0 <= psi <= 1.5:
            raise ValueError(f"truncation {psi!r} is not between 0 and 1.5")
        return CanvasState(pins=tuple(pins), cursor=(_unit(cx), _unit(cy)), truncation=float(psi))
    except (OSError, UnicodeError, ValueError, TypeError, KeyError) as e:
        raise StudioError(f"The canvas saved in {path} cannot be read ({e}); the canvas starts afresh.") from None


def save_canvas(run: Path, state: CanvasState) -> None:
    """Write the pins, cursor and truncation of `state` into `run` (StudioError when the disk refuses)."""
    from studio.core.formats.checkpoint import write_atomic

    data = {"pins": [[p.seed, round(p.x, 5), round(p.y, 5)] for p in state.pins],
            "cursor": [round(state.cursor[0], 5), round(state.cursor[1], 5)],
            "truncation": round(state.truncation, 4)}
    path = Path(run) / FILE_NAME
    try:
        write_atomic(path, json.dumps(data, indent=1).encode("utf-8"))
    except OSError as e:
        raise StudioError(f"Cannot save the canvas to {path}: {e.strerror or e}.") from None


class CanvasMemory:
    """The open run's canvas, saved a moment after each change (debounced) and read back when a run opens."""

    def __init__(self, parent: QObject, state: Callable[[], CanvasState], say: Callable[[str], None]) -> None:
        """`state` is the canvas now; `say` reports a file that cannot be read or written."""
        self.state, self.say = state, say
        self.run: Path | None = None  # where the canvas is remembered (None: a checkpoint outside a run)
        self.remember = qdebounced(self._save, 800, parent=parent)

    def open(self, run: Path | None) -> CanvasState | None:
        """The canvas the artist left in `run` when it differs from the one shown (other checkpoints keep it);
        the last run's canvas goes into the last run first."""
        self.remember.flush()
        self.run = run
        if run is None:
            return None
        try:
            saved = load_canvas(run)
        except StudioError as e:
            self.say(str(e))
            self.run = None  # the damaged file stays as it is: nothing is written over it
            return None
        now = self.state()
        if saved is None or (saved.pins, saved.cursor, saved.truncation) == (now.pins, now.cursor, now.truncation):
            return None
        return dataclasses.replace(CanvasState(), pins=saved.pins, cursor=saved.cursor, truncation=saved.truncation)

    def flush(self) -> None:
        self.remember.flush()

    def _save(self) -> None:
        if self.run is not None:
            try:
                save_canvas(self.run, self.state())
            except StudioError as e:
                self.say(str(e))
