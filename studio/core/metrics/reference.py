"""The training images' Inception features, computed once per folder content, resolution and network,
and cached as .npz (plain arrays, loaded without pickle) in the user cache folder."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.core.metrics.inception import FEATURE_SIZE, InceptionFeatures, ProgressFn


def default_cache_dir() -> Path:
    from studio.core.places import cache_root

    return cache_root() / "metrics"


def reference_indices(n: int, count: int, seed: int = 0) -> np.ndarray:
    """Which training images stand for the folder: a fixed random subset (all of them when count >= n)."""
    if count >= n:
        return np.arange(n)
    return np.sort(np.random.RandomState(seed).permutation(n)[:count])


def content_key(images: np.ndarray, indices: np.ndarray) -> str:
    """SHA-256 of the decoded pixels used (so renaming or touching files keeps the cache; editing one does not)."""
    h = hashlib.sha256(f"{images.shape[1:]}|{len(indices)}".encode())
    for s in range(0, len(indices), 256):
        h.update(np.ascontiguousarray(images[indices[s:s + 256]]).tobytes())
    return h.hexdigest()


def real_features(images: np.ndarray, extractor: InceptionFeatures, count: int, *, seed: int = 0,
                  cache_dir: str | os.PathLike | None = None, progress: ProgressFn | None = None,
                  cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """Features of up to `count` training images (uint8 N, H, W, 3), from the cache when it has them."""
    idx = reference_indices(len(images), count, seed)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = content_key(images, idx)[:24] + "-" + extractor.sha256[:12]
    h, w = images.shape[1:3]
    size = f"{h}px" if h == w else f"{w}x{h}px"  # square names as before shapes existed
    path = folder / f"real-{size}-{len(idx)}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            feats = z["features"]
        if feats.shape == (len(idx), FEATURE_SIZE):
            if progress is not None:
                progress(len(idx), len(idx))
            return feats
    except (OSError, KeyError, ValueError):
        pass  # absent or damaged: recompute
    feats = extractor(images[idx], progress, cancel)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, features=feats)
        os.replace(tmp, path)
    except OSError:
        pass  # the cache is an optimisation; a full disk must not stop the evaluation
    return feats

