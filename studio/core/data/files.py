"""Finding and reading an artist's picture files, never writing into their folder: the scan (class
sub-folders, hidden and symlinked folders left out) and each file's bytes, refused with a reason when it
is not a regular file, empty or too large."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import StudioError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
# A file larger than this is refused before it is read: no artwork needs 256 MB of bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024


class ImageError(Exception):
    """One file could not be used; the message is the reason shown in the skipped-file report."""


@dataclass
class SkippedFile:
    path: str
    reason: str


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
        where = rel_name(Path(err.filename or folder), folder)
        skipped.append(SkippedFile(where, f"folder not readable ({err.strerror})"))

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


def rel_name(path: Path, folder: Path) -> str:
    """The file's name as the report shows it: relative to the folder, never failing on odd bytes."""
    try:
        rel = str(path.relative_to(folder))
    except ValueError:
        rel = str(path)
    # Names that are not valid UTF-8 are shown with escapes rather than crashing the report.
    return rel.encode("utf-8", "backslashreplace").decode("utf-8")


def read_file(path: Path) -> bytes:
    """The bytes of one picture file, or an ImageError saying why it is not read."""
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
