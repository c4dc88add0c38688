"""Reads an image folder off the GUI thread for the dataset panel: the core's ImageFolder (decoded once,
cached per user), a thumbnail strip as training will see it, and an augmentation preview."""

from __future__ import annotations

import hashlib
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.ui.base.qimage import balanced_columns, tile, to_qimage
from studio.ui.base.threads import StudioThread

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


class _Cancelled(Exception):
    """Raised from the progress callback when the window no longer wants this folder."""


class DatasetLoader(StudioThread):
    progress = Signal(int, int)
    loaded = Signal(object)  # LoadedDataset
    failed = Signal(str)

    def __init__(self, folder: Path, resolution: int, fit: str, background: str, classes: bool,
                 cache_root: Path | None, parent: QObject | None = None, aspect: str = "1:1") -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.aspect = aspect or "1:1"
        self.resolution, self.fit, self.background, self.classes = resolution, fit, background, classes
        self.cache_root = cache_root

    def _on_progress(self, done: int, total: int) -> None:
        if self.isInterruptionRequested():
            raise _Cancelled
        self.progress.emit(done, total)

    def run(self) -> None:
        from studio.core.data import DataConfig, ImageFolder, parse_color
        from studio.core.errors import StudioError

        try:
            config = DataConfig(self.resolution, self.fit, parse_color(self.background), self.classes, self.aspect)
            cache = dataset_cache_dir(self.cache_root, self.folder) if self.cache_root is not None else None
            folder = ImageFolder(self.folder, config, cache_dir=cache, progress=self._on_progress)
            images = folder.images
            thumbs = tile(images[:THUMBNAILS], columns=balanced_columns(len(images[:THUMBNAILS]), 16))
            from studio.core.training.augment import augment_preview

            aug = augment_preview(images[:AUGMENT_PREVIEW], AUGMENT_P, seed=0)
            result = LoadedDataset(folder, folder.report, to_qimage(thumbs),
                                   to_qimage(tile(aug, columns=balanced_columns(len(aug), 8))), AUGMENT_P)
        except _Cancelled:
            return
        except StudioError as e:
            self.failed.emit(str(e))
            return
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"The folder could not be read: {type(e).__name__}: {e}")
            return
        self.loaded.emit(result)
