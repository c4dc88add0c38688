"""The image folder an artist trains on: scanned, decoded once in a thread pool, fitted to the run's
shape and cached as uint8 in the run (`ImageFolder`), with the report of what was used and skipped.

Nothing here ever writes into the user's folder; the only files written go to the cache folder
the caller names (normally inside the run directory).
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from studio.core.data.decode import decode_picture, refit
from studio.core.data.sources import SourceCache
from studio.core.data.files import ImageError, SkippedFile, read_file, rel_name, scan_folder
from studio.core.data.settings import DataConfig
from studio.core.errors import StudioError


@dataclass
class ImportReport:
    """What the importer found: shown in the dataset panel and saved in the run directory."""

    folder: str
    candidates: int = 0
    used: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    duplicates: int = 0
    class_names: list[str] = field(default_factory=list)
    class_counts: list[int] = field(default_factory=list)
    sizes: list[tuple[int, int]] = field(default_factory=list)
    seconds: float = 0.0
    from_cache: bool = False
    transparent: int = 0  # pictures with see-through pixels (laid on the background; 0 in older reports)
    cut: int = 0  # pictures whose subject the crop cut into (a hint to pad instead; 0 in older reports)

    def size_summary(self) -> str:
        if not self.sizes:
            return "no images"
        ws = [w for w, _ in self.sizes]
        hs = [h for _, h in self.sizes]
        ratios = [w / h for w, h in self.sizes]
        square = sum(1 for r in ratios if abs(r - 1) < 0.02)
        return (
            f"width {min(ws)}–{max(ws)} (median {int(statistics.median(ws))}), "
            f"height {min(hs)}–{max(hs)} (median {int(statistics.median(hs))}), "
            f"{square} of {len(ratios)} square, aspect {min(ratios):.2f}–{max(ratios):.2f}"
        )

    def to_json(self) -> dict:
        d = asdict(self)
        d["sizes"] = [list(s) for s in self.sizes]
        return d

    @classmethod
    def from_json(cls, d: dict) -> ImportReport:
        d = dict(d)
        d["skipped"] = [SkippedFile(**s) for s in d.get("skipped", [])]
        d["sizes"] = [tuple(s) for s in d.get("sizes", [])]
        return cls(**d)


def _kept_names(files: list[Path], folder: Path, report: ImportReport, count: int) -> list[str]:
    """The names of the images kept, in their order: the files less the ones the report skipped (empty if
    they do not add up to `count`, e.g. a cache from an older version)."""
    skipped = {s.path for s in report.skipped}
    names = [n for n in (rel_name(f, folder) for f in files) if n not in skipped]
    return names if len(names) == count else []


def _cache_key(files: list[Path], labels: list[int], config: DataConfig) -> str:
    h = hashlib.sha1()
    fields = asdict(config)
    if fields["aspect"] == "1:1":
        del fields["aspect"]  # square caches keep the key they had before shapes existed
    elif fields["fit"] == "crop":
        fields["report"] = 2  # a non-square crop's report counts the subjects it cuts into (ImportReport.cut)
    h.update(json.dumps(fields, sort_keys=True).encode())
    for f, label in zip(files, labels, strict=True):
        try:
            st = f.stat()
            h.update(f"{os.fsencode(f)!r}|{st.st_size}|{st.st_mtime_ns}|{label}\n".encode())
        except OSError:
            h.update(f"{os.fsencode(f)!r}|missing\n".encode())
    return h.hexdigest()[:16]


ProgressFn = Callable[[int, int], None]


class ImageFolder:
    """A folder of images decoded once into a uint8 array (N, H, W, 3), with labels and a report."""

    def __init__(
        self,
        folder: str | os.PathLike,
        config: DataConfig | None = None,
        cache_dir: str | os.PathLike | None = None,
        progress: ProgressFn | None = None,
        workers: int | None = None,
        sources: SourceCache | None = None,
    ) -> None:
        """`sources`: pictures kept as read by an earlier reading (the window's), refitted instead of read."""
        self.config = config or DataConfig()
        self.sources = sources
        self.config.validate()
        self.folder = Path(folder).expanduser()
        if not self.folder.exists():
            raise StudioError(f"The folder {self.folder} does not exist.")
        if not self.folder.is_dir():
            raise StudioError(f"{self.folder} is a file, not a folder of images.")
        t0 = time.perf_counter()
        files, labels, class_names, skipped = scan_folder(self.folder, self.config.classes)
        if self.config.classes and len(class_names) < 2:
            raise StudioError(
                f"Training with classes needs at least two sub-folders of images in {self.folder}; "
                f"found {len(class_names)}."
            )
        report = ImportReport(folder=str(self.folder), candidates=len(files), class_names=class_names)
        self.labels: np.ndarray
        self.images: np.ndarray
        self.names: list[str] = []  # each image's file, relative to the folder (what the artist calls it)
        cache_path = None
        if cache_dir is not None:
            cache_dir = Path(cache_dir)
            key = _cache_key(files, labels, self.config)
            shape = self.config.shape
            size = str(shape.width) if shape.is_square else f"{shape.width}x{shape.height}"
            cache_path = cache_dir / f"images-{size}-{key}"
            cached = self._load_cache(cache_path)
            if cached is not None:
                self.images, self.labels, report = cached
                report.from_cache = True
                report.seconds = time.perf_counter() - t0
                self.report = report
                self.names = _kept_names(files, self.folder, report, len(self.images))
                return
        self.images, self.labels = self._decode_all(files, labels, report, skipped, progress, workers, cache_path)
        report.skipped = skipped + report.skipped
        report.class_counts = [int((self.labels == i).sum()) for i in range(len(class_names))] if class_names else []
        report.seconds = time.perf_counter() - t0
        self.report = report
        self.names = _kept_names(files, self.folder, report, len(self.images))
        if report.used == 0:
            if report.candidates == 0:
                raise StudioError(
                    f"No images found in {self.folder}. The studio reads PNG, JPEG, WebP, BMP, GIF and TIFF files."
                )
            raise StudioError(
                f"None of the {report.candidates} image files in {self.folder} could be read; "
                f"first problem: {report.skipped[0].path}: {report.skipped[0].reason}."
            )
        if cache_path is not None:
            self._save_cache(cache_path)

    def _decode_all(self, files, labels, report, skipped, progress, workers, cache_path):
        shape = self.config.shape
        n = len(files)
        out = np.empty((max(n, 1), shape.height, shape.width, 3), dtype=np.uint8)
        out_labels = np.zeros(max(n, 1), dtype=np.int64)
        seen: dict[bytes, int] = {}
        used = 0

        sources = self.sources

        def work(path: Path):
            try:
                key = sources.key(path) if sources is not None else None
                kept = sources.get(key) if sources is not None else None
                if kept is not None:  # read before, at another shape or size: fitted again, not read
                    digest, source = kept
                    return refit(source, self.config), digest, None
                data = read_file(path)
                digest = hashlib.sha1(data).digest()
                keep = (lambda source: sources.put(key, digest, source)) if sources is not None else None
                return decode_picture(data, self.config, keep), digest, None
            except ImageError as e:
                return None, None, str(e)

        workers = workers or min(8, (os.cpu_count() or 2) * 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for i, (path, label, result) in enumerate(zip(files, labels, pool.map(work, files), strict=True)):
                decoded, digest, error = result
                if error is not None:
                    skipped.append(SkippedFile(rel_name(path, self.folder), error))
                else:
                    out[used] = decoded.pixels
                    out_labels[used] = label
                    used += 1
                    report.sizes.append(decoded.size)
                    report.transparent += decoded.transparent
                    report.cut += decoded.cut
                    if digest in seen:
                        report.duplicates += 1
                    seen[digest] = i
                if progress is not None and (i % 64 == 0 or i == n - 1):
                    progress(i + 1, n)
        report.used = used
        return out[:used], out_labels[:used]

    def _load_cache(self, path: Path):
        meta = path.with_suffix(".json")
        arr = path.with_suffix(".npy")
        if not (meta.exists() and arr.exists()):
            return None
        try:
            info = json.loads(meta.read_text())
            images = np.load(arr, mmap_mode="r", allow_pickle=False)
            labels = np.asarray(info["labels"], dtype=np.int64)
            report = ImportReport.from_json(info["report"])
            shape = self.config.shape
            if images.shape[0] != len(labels) or images.shape[1:] != (shape.height, shape.width, 3):
                return None
            return np.array(images), labels, report  # into memory, writable
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache is simply rebuilt

    def _save_cache(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".npy.tmp")
            with open(tmp, "wb") as f:
                np.save(f, self.images, allow_pickle=False)
            os.replace(tmp, path.with_suffix(".npy"))
            meta = {"labels": self.labels.tolist(), "report": self.report.to_json()}
            tmpj = path.with_suffix(".json.tmp")
            tmpj.write_text(json.dumps(meta))
            os.replace(tmpj, path.with_suffix(".json"))
        except OSError:
            pass  # the cache is an optimisation; a full disk must not stop training

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def class_names(self) -> list[str]:
        return self.report.class_names

    @property
    def num_classes(self) -> int:
        return len(self.report.class_names) if self.config.classes else 0
