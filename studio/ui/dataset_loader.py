"""Reads an image folder off the GUI thread (a job: `start_job(owner, load_dataset, ...)`) for the dataset
panel: the core's ImageFolder (decoded once, cached per user; the pictures as read are kept for the session,
so a Shape or Resolution change refits them instead of reading every file again), a thumbnail strip as
training will see it, and an augmentation preview."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from studio.ui.base.jobs import JobControl
from studio.ui.base.qimage import balanced_columns, tile, to_qimage

THUMBNAILS = 32
AUGMENT_PREVIEW = 16
AUGMENT_P = 0.5


@dataclass
class LoadedDataset:
    """What the dataset panel shows; `folder` is the core ImageFolder, reusable by the trainer."""

    folder: object  # studio.core.data.ImageFolder (typed loosely so this module never imports torch)
    report: object  # studio.core.data.ImportReport
    thumbnails: QImage
    augmented: QImage
    augment_p: float


def dataset_cache_dir(root: Path, folder: Path) -> Path:
    """One cache folder per image folder, under the per-user cache."""
    key = hashlib.sha1(str(folder.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return root / "datasets" / f"{folder.name}-{key}"


_SOURCES = None  # the pictures as read this session (core.data.sources): a new shape or size refits them
_SOURCES_LOCK = threading.Lock()


def kept_sources():
    """The window's one SourceCache, made on first use (the core is imported off the GUI thread)."""
    global _SOURCES
    with _SOURCES_LOCK:
        if _SOURCES is None:
            from studio.core.data.sources import SourceCache

            _SOURCES = SourceCache()
        return _SOURCES


class _Cancelled(Exception):
    """Raised from the progress callback when the window no longer wants this folder."""


def load_dataset(job: JobControl, folder: Path, resolution: int, fit: str, background: str, classes: bool,
                 cache_root: Path | None, aspect: str = "1:1") -> LoadedDataset | None:
    """Run with `start_job`: reports (done, total) while decoding; None when cancelled."""
    from studio.core.data import DataConfig, ImageFolder, parse_color
    from studio.core.training.augment import augment_preview

    def on_progress(done: int, total: int) -> None:
        if job.cancelled():
            raise _Cancelled
        job.report(done, total)

    folder = Path(folder)
    try:
        config = DataConfig(resolution, fit, parse_color(background), classes, aspect or "1:1")
        cache = dataset_cache_dir(cache_root, folder) if cache_root is not None else None
        data = ImageFolder(folder, config, cache_dir=cache, progress=on_progress, sources=kept_sources())
    except _Cancelled:
        return None
    images = data.images
    thumbs = tile(images[:THUMBNAILS], columns=balanced_columns(len(images[:THUMBNAILS]), 16))
    aug = augment_preview(images[:AUGMENT_PREVIEW], AUGMENT_P, seed=0)
    return LoadedDataset(data, data.report, to_qimage(thumbs),
                         to_qimage(tile(aug, columns=balanced_columns(len(aug), 8))), AUGMENT_P)
