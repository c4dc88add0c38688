"""The numbers behind the live curves: each loss term's points in preallocated numpy arrays that grow by
doubling, thinned past their capacity, with an exponential moving average kept as they arrive; the curve
names and colours (colour-blind-safe Okabe–Ito) and their legend order."""

from __future__ import annotations

import math

import numpy as np

# Loss keys the core reports, their legend names and colours (colour-blind-safe Okabe–Ito).
CURVES = {
    "loss_g": ("G loss", "#E69F00"),
    "loss_d": ("D loss", "#0072B2"),
    "r1": ("R1", "#009E73"),
    "gp": ("gradient penalty", "#CC79A7"),
}


def legend_rank(key: str) -> tuple[int, str]:
    """The place of a curve in the legend: the CURVES order, then any other key by name."""
    keys = list(CURVES)
    return (keys.index(key), "") if key in CURVES else (len(keys), key)


class Series:
    """A growing (x, y) series in preallocated arrays, with an incrementally kept EMA-smoothed copy.

    At most `max_points` points are kept: when full, neighbouring points are averaged in pairs and from
    then on each point is the mean of twice as many reports (an open bin is shown as the newest point), so
    the whole run stays at one even resolution and a run of days costs the memory and drawing time of
    about an hour (5 reports a second fill 20k points in about an hour)."""

    max_points = 20_000  # even

    def __init__(self, capacity: int = 1024) -> None:
        self.x = np.empty(capacity, np.float64)
        self.y = np.empty(capacity, np.float64)
        self.smooth = np.empty(capacity, np.float64)
        self.n = 0  # complete points
        self.alpha = 1.0  # weight of the newest point; 1 = no smoothing
        self.bin = 1  # reports per point
        self._open = 0  # reports in the open bin at index n
        self._last_smooth = math.nan  # the EMA after the latest report

    def append(self, x: float, y: float) -> None:
        last = self._last_smooth
        sm = y if not math.isfinite(last) else self.alpha * y + (1 - self.alpha) * last
        self._last_smooth = sm
        i = self.n
        if self._open == 0:
            if i == self.x.shape[0]:
                for name in ("x", "y", "smooth"):
                    old = getattr(self, name)
                    new = np.empty(old.shape[0] * 2, np.float64)
                    new[:i] = old[:i]
                    setattr(self, name, new)
            self.x[i], self.y[i], self.smooth[i] = x, y, sm
        else:  # the running mean of the open bin
            k = self._open
            self.x[i] = (self.x[i] * k + x) / (k + 1)
            self.y[i] = (self.y[i] * k + y) / (k + 1)
            self.smooth[i] = (self.smooth[i] * k + sm) / (k + 1)
        self._open += 1
        if self._open == self.bin:
            self.n += 1
            self._open = 0
            if self.n >= self.max_points:
                self._thin()

    def _thin(self) -> None:
        k = self.n // 2
        for a in (self.x, self.y, self.smooth):
            a[:k] = a[:2 * k].reshape(k, 2).mean(axis=1)
        self.n = k
        self.bin *= 2

    def set_smoothing(self, amount: float) -> None:
        """amount in [0, 1): 0 shows raw values; 0.99 averages over about 100 reports."""
        self.alpha = 1.0 - amount
        acc = math.nan
        for i in range(self.n):  # once per slider move, not per point
            v = self.y[i]
            acc = v if not math.isfinite(acc) else self.alpha * v + (1 - self.alpha) * acc
            self.smooth[i] = acc
        self._last_smooth = acc

    def view(self, smoothed: bool) -> tuple[np.ndarray, np.ndarray]:
        m = self.n + (1 if self._open else 0)
        return self.x[:m], (self.smooth if smoothed else self.y)[:m]


