"""Quality evaluations beside a training loop: the loop hands over a frozen copy of G_ema and goes on;
one background thread (limited to `threads` CPU threads) evaluates it and leaves the result to collect.

The loop pays only for the copy. At most one evaluation runs at a time; a copy handed over while one
runs is refused (the loop tries again at the next interval), so evaluations never pile up.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
import traceback
from dataclasses import dataclass

import torch
import torch.nn as nn

from studio.core.errors import StudioError
from studio.core.metrics.evaluate import Evaluator
from studio.core.metrics.inception import Cancelled
from studio.core.metrics.scores import QualityScores


@dataclass
class QualityResult:
    step: int
    kimg: float
    scores: QualityScores | None
    seconds: float
    error: str | None = None  # a sentence for the user when the evaluation could not run


def frozen_copy(G: nn.Module) -> nn.Module:
    """A snapshot of the generator that training cannot touch (the design's render-from-a-snapshot rule)."""
    return copy.deepcopy(G).eval().requires_grad_(False)


class QualityProbe:
    def __init__(self, evaluator: Evaluator, threads: int = 1) -> None:
        self.evaluator = evaluator
        self.threads = threads
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._results: queue.Queue[QualityResult] = queue.Queue()
        self._busy = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quality-probe", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._busy.is_set()

    def submit(self, step: int, kimg: float, G: nn.Module) -> bool:
        """Evaluate a frozen copy of G (made here, in the caller's thread); False when one is still running."""
        if self._busy.is_set() or self._cancel.is_set():
            return False
        self._busy.set()
        self._jobs.put((step, kimg, frozen_copy(G)))
        return True

    def results(self) -> list[QualityResult]:
        """Finished evaluations since the last call (never blocks)."""
        out = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the running evaluation (if any) has finished; True if none is left running."""
        end = None if timeout is None else time.monotonic() + timeout
        while self._busy.is_set():
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        """Abandon a running evaluation (checked between batches) and end the thread."""
        self._cancel.set()
        try:
            self._jobs.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout=30)

    def _run(self) -> None:
        if self.evaluator.device.type == "cpu":
            # OpenMP's thread count is per thread: this limits only the evaluations, not the training loop.
            torch.set_num_threads(self.threads)
        while True:
            job = self._jobs.get()
            if job is None or self._cancel.is_set():
                self._busy.clear()
                return
            step, kimg, G = job
            t0 = time.perf_counter()
            try:
                result, seconds = self.evaluator.evaluate(G, cancel=self._cancel.is_set)
                self._results.put(QualityResult(step, kimg, result, seconds))
            except Cancelled:
                self._busy.clear()
                return
            except StudioError as e:
                self._results.put(QualityResult(step, kimg, None, time.perf_counter() - t0, str(e)))
            except Exception as e:  # a bug: loud on stderr, and the training goes on
                traceback.print_exc()
                self._results.put(QualityResult(step, kimg, None, time.perf_counter() - t0,
                                                f"The quality evaluation failed: {type(e).__name__}: {e}"))
            finally:
                del G
            self._busy.clear()
