"""numpy uint8 images -> QImage (a deep copy, safe to hand from a worker thread to the GUI thread)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(array: np.ndarray) -> QImage:
    """(H, W, 3) or (H, W) uint8 -> an RGB888 / Grayscale8 QImage that owns its pixels."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    if a.ndim == 2:
        h, w = a.shape
        return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    h, w, c = a.shape
    if c != 3:
        raise ValueError(f"expected 3 channels, got {c}")
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def from_qimage(image: QImage) -> np.ndarray:
    """A QImage -> (H, W, 3) uint8 RGB (a copy; the inverse of `to_qimage`)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, :3 * w].reshape(h, w, 3).copy()


def balanced_columns(n: int, most: int) -> int:
    """Columns for `n` images, at most `most` a row, with the rows as full as possible (24 images in 16
    columns would leave 8 empty slots; in 12 columns none)."""
    rows = max(1, -(-n // most))
    return max(1, -(-n // rows))


def tile(images: np.ndarray, columns: int, padding: int = 2, fill: int = 0, empty: int = 160) -> np.ndarray:
    """(N, H, W, 3) uint8 -> one (rows*(H+pad)+pad, ...) uint8 mosaic; display layout only. Slots without an
    image in the last row are a quiet grey, not a block of the padding's colour."""
    n, h, w, c = images.shape
    rows = max(1, -(-n // columns))
    out = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c), fill, np.uint8)
    for i in range(n, rows * columns):
        r, k = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + k * (w + padding)
        out[y:y + h, x:x + w] = empty
    for i in range(n):
        r, k = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + k * (w + padding)
        out[y:y + h, x:x + w] = images[i]
    return out
