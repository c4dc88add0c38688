"""The image folder an artist trains on: scan, validate, decode once, fit to the run's shape, cache as uint8.

Nothing here ever writes into the user's folder; the only files written go to the cache folder
the caller names (normally inside the run directory).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps

from studio.core.errors import StudioError
from studio.core.shape import FIT_MODES, MAX_SCALE, MIN_SCALE, CanvasShape, canvas_shape, fit_picture

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MIN_RESOLUTION, MAX_RESOLUTION = MIN_SCALE, MAX_SCALE
# A file larger than this is refused before it is read: no artwork needs 256 MB of bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024
# Pillow's own bomb guard warns at this many pixels; we refuse instead of warning.
MAX_PIXELS = 100_000_000

# Truncated files must fail loudly so they are reported, not half-decoded into training data.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageError(Exception):
    """One file could not be used; the message is the reason shown in the skipped-file report."""


@dataclass(frozen=True)
class DataConfig:
    """How images become training samples."""

    resolution: int = 64  # the long side (a square's side)
    fit: str = "crop"  # "crop": centre-crop to the shape; "pad": fit inside and pad with background
    background: tuple[int, int, int] = (255, 255, 255)
    classes: bool = False  # first-level sub-folders are classes
    aspect: str = "1:1"  # width:height; the picture is the nearest shape the networks make (core/shape.py)

    @property
    def shape(self) -> CanvasShape:
        return canvas_shape(self.aspect, self.resolution)

    def validate(self) -> None:
        self.shape  # noqa: B018 (raises a StudioError naming the problem)
        if self.fit not in FIT_MODES:
            raise StudioError(f"Unknown fit '{self.fit}': choose 'crop' or 'pad'.")


@dataclass
class SkippedFile:
    path: str
    reason: str


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


def parse_color(text: str | Sequence[int]) -> tuple[int, int, int]:
    """'#rrggbb', 'white', 'black' or an (r, g, b) triple -> (r, g, b)."""
    if not isinstance(text, str):
        r, g, b = (int(v) for v in text)
        return (r, g, b)
    named = {"white": (255, 255, 255), "black": (0, 0, 0), "gray": (128, 128, 128), "grey": (128, 128, 128)}
    t = text.strip().lower()
    if t in named:
        return named[t]
    t = t.lstrip("#")
    if len(t) == 6:
        try:
            return (int(t[0:2], 16), int(t[2:4], 16), int(t[4:6], 16))
        except ValueError:
            pass
    raise StudioError(f"'{text}' is not a colour: use #rrggbb, 'white' or 'black'.")


def _to_rgb(img: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB, transparency composited onto `background`."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img).astype(np.float64)
        hi = arr.max() if arr.size else 0
        scale = 255.0 / 65535.0 if hi > 255 else 1.0
        arr8 = np.clip(arr * scale + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info)
    if mode == "L" and "transparency" in img.info:
        has_alpha = True
    if has_alpha:
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, background + (255,))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return img.convert("RGB")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def _without_png_text(data: bytes) -> bytes | None:
    """The PNG without its text chunks (None if it is not a well-formed PNG). Pillow refuses text chunks
    that inflate past 1 MB (a text bomb); the pixels of such a file are still a good picture."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    out, i = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while i + 12 <= len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        end = i + 12 + n
        if end > len(data):
            return None
        if data[i + 4:i + 8] not in _PNG_TEXT_CHUNKS:
            out.append(data[i:end])
        i = end
    return b"".join(out)


def decode_image(data: bytes, config: DataConfig) -> tuple[np.ndarray, tuple[int, int]]:
    """Bytes of one image file -> (H, W, 3) uint8 in the configured shape, plus the original size."""
    try:
        return _decode(data, config)
    except ImageError as e:
        if "MAX_TEXT_CHUNK" not in str(e):
            raise
        stripped = _without_png_text(data)
        if stripped is None:
            raise ImageError("a PNG text chunk is too large and the file is damaged") from None
        return _decode(stripped, config)


def _decode(data: bytes, config: DataConfig) -> tuple[np.ndarray, tuple[int, int]]:
    shape = config.shape
    try:
        # Whether a file is a bomb is decided from its size below, not by turning Pillow's warning into an
        # error: catch_warnings swaps the process's filter list and files are decoded in a thread pool, so
        # another thread leaving its catch_warnings could restore the list without the "error" filter in
        # the middle of this one (a 90-megapixel file was then decoded and used). The filter here only keeps
        # Pillow's warning quiet; a race on it can at worst print that warning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
            w, h = img.size
            pillow_limit = Image.MAX_IMAGE_PIXELS
            if pillow_limit is not None and w * h > pillow_limit:
                raise ImageError(f"refused as a decompression bomb ({w}×{h} pixels, more than the "
                                 f"{pillow_limit} Pillow allows)")
            if w * h > MAX_PIXELS:
                raise ImageError(f"too large ({w}×{h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels)")
            if img.format == "JPEG":
                # Let libjpeg decode at a reduced scale: much faster for big photos, same result after resize.
                img.draft(img.mode, (shape.width * 2, shape.height * 2))
            img.seek(0)  # first frame of animations
            img.load()
            img = ImageOps.exif_transpose(img)
            rgb = _to_rgb(img, config.background)
            out = fit_picture(rgb, shape.width, shape.height, config.fit, config.background)
            return np.asarray(out, dtype=np.uint8).copy(), (w, h)
    except ImageError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise ImageError(f"refused as a decompression bomb ({e})") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not an image Pillow can read (wrong extension or corrupt header)") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:
        msg = str(e) or type(e).__name__
        if "truncated" in msg.lower() or isinstance(e, EOFError):
            msg = f"truncated or damaged file ({msg})"
        raise ImageError(msg) from None
    except MemoryError:
        raise ImageError("too large to decode in memory") from None


def scan_folder(folder: Path, classes: bool) -> tuple[list[Path], list[int], list[str], list[SkippedFile]]:
    """Find image files (recursively, no symlinked folders followed) and their class index."""
    files: list[Path] = []
    labels: list[int] = []
    skipped: list[SkippedFile] = []
    class_names: list[str] = []
    if classes:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            raise StudioError(f"Cannot read the folder {folder}: {e.strerror or e}.") from None
        class_names = [e.name for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
        roots = [(folder / n, i) for i, n in enumerate(class_names)]
        for e in entries:
            if e.is_file() and Path(e.name).suffix.lower() in IMAGE_SUFFIXES:
                skipped.append(SkippedFile(e.name, "not inside a class sub-folder"))
    else:
        roots = [(folder, 0)]

    def onerror(err: OSError) -> None:
        skipped.append(SkippedFile(_rel(Path(err.filename or folder), folder), f"folder not readable ({err.strerror})"))

    for root, label in roots:
        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                    files.append(Path(dirpath) / name)
                    labels.append(label)
    return files, labels, class_names, skipped


def _rel(path: Path, folder: Path) -> str:
    try:
        rel = str(path.relative_to(folder))
    except ValueError:
        rel = str(path)
    # Names that are not valid UTF-8 are shown with escapes rather than crashing the report.
    return rel.encode("utf-8", "backslashreplace").decode("utf-8")


def _kept_names(files: list[Path], folder: Path, report: ImportReport, count: int) -> list[str]:
    """The names of the images kept, in their order: the files less the ones the report skipped (empty if
    they do not add up to `count`, e.g. a cache from an older version)."""
    skipped = {s.path for s in report.skipped}
    names = [n for n in (_rel(f, folder) for f in files) if n not in skipped]
    return names if len(names) == count else []


def _read_file(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError as e:
        raise ImageError(f"cannot read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImageError("not a regular file (a pipe, device or folder)")  # reading a FIFO would hang
    if st.st_size == 0:
        raise ImageError("empty file (0 bytes)")
    if st.st_size > MAX_FILE_BYTES:
        raise ImageError(f"file too large ({st.st_size // (1024 * 1024)} MB)")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ImageError(f"cannot read ({e.strerror or e})") from None


def _cache_key(files: list[Path], labels: list[int], config: DataConfig) -> str:
    h = hashlib.sha1()
    fields = asdict(config)
    if fields["aspect"] == "1:1":
        del fields["aspect"]  # square caches keep the key they had before shapes existed
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
    ) -> None:
        self.config = config or DataConfig()
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

        def work(path: Path):
            try:
                data = _read_file(path)
                digest = hashlib.sha1(data).digest()
                arr, size = decode_image(data, self.config)
                return arr, size, digest, None
            except ImageError as e:
                return None, None, None, str(e)

        workers = workers or min(8, (os.cpu_count() or 2) * 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for i, (path, label, result) in enumerate(zip(files, labels, pool.map(work, files), strict=True)):
                arr, size, digest, error = result
                if error is not None:
                    skipped.append(SkippedFile(_rel(path, self.folder), error))
                else:
                    out[used] = arr
                    out_labels[used] = label
                    used += 1
                    report.sizes.append(size)
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
