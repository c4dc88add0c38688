"""Pictures kept as read, so that another shape, size, fit or background is a refit, not a new reading of
every file: the window's Shape and Resolution changes (issue 27 item 9). A `SourceCache` holds each small
picture's full-size decoded pixels (before any reduction, rotation or colour change) with the file's
checksum, keyed by the file's path, size and modification time; a fit from them goes through the very
steps a fresh reading takes (decode.refit), so the pixels are the same. JPEGs are not kept (they are decoded
at a scale that depends on the target), nor pictures over `MAX_KEPT_PIXELS`. Bounded by bytes, least
recently used first out; thread-safe (the decoding pool shares it). Opt-in: `studio train` reads a folder
once and keeps nothing."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MAX_KEPT_PIXELS = 1024 * 1024  # larger pictures are read again (a folder of photographs would not fit)


@dataclass(frozen=True)
class Source:
    """One picture as read: loaded at full size, its EXIF orientation not applied yet."""

    image: Image.Image
    size: tuple[int, int]  # the file's width, height
    orientation: int | None  # EXIF orientation tag

    @property
    def nbytes(self) -> int:
        return self.image.width * self.image.height * len(self.image.getbands())


class SourceCache:
    def __init__(self, limit_bytes: int = 512 * 1024**2) -> None:
        self.limit = limit_bytes
        self.held = 0
        self.hits = 0
        self._items: OrderedDict[tuple, tuple[bytes, Source]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(path: Path) -> tuple | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return (os.fspath(path), st.st_size, st.st_mtime_ns)

    def get(self, key: tuple | None) -> tuple[bytes, Source] | None:
        """(the file's SHA-1, its Source), or None."""
        if key is None:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return item

    def put(self, key: tuple | None, digest: bytes, source: Source) -> None:
        if key is None or source.nbytes > self.limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.held -= old[1].nbytes
            self._items[key] = (digest, source)
            self.held += source.nbytes
            while self.held > self.limit:
                _, (_, dropped) = self._items.popitem(last=False)
                self.held -= dropped.nbytes

    def __len__(self) -> int:
        return len(self._items)
