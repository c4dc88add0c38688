"""Benchmarks drive training from a second thread, as `studio train` and the window do: on a loaded
2-core machine a 2-thread OpenMP team driven from the main thread ran 2.5-5x slower
(bench/cpu_threads.py --where both; bench/RESULTS.md, "CPU threads")."""

from __future__ import annotations

import threading
from collections.abc import Callable


def in_training_thread(fn: Callable[[], int]) -> int:
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()), name="training")
    t.start()
    t.join()
    return out[0] if out else 1
