"""The registry of animation formats: one `ExportFormat` per file type the exporter can write frames to.

The exporter (`core/export.py`), the export dialog and the CLI all read `ANIMATIONS`; a new format is one
entry here (its suffix, label, whether it is installed, and how to write frames) and a test in
tests/core/test_export.py. Torch-free: the exporter that imports it loads no torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class AnimationOptions:
    fps: float = 24.0
    loop: bool = True
    comment: str | None = None  # kept where the format can (a GIF comment)


@dataclass(frozen=True)
class ExportFormat:
    suffix: str  # ".gif"
    label: str  # what the dialog lists
    write: Callable[[Path, list[np.ndarray], AnimationOptions], None]  # frames -> a new file at the path
    available: Callable[[], bool] = lambda: True  # an optional package may be missing
    missing: str = ""  # the sentence shown when it is not available


def _pillow_kwargs(frames: list[np.ndarray], opts: AnimationOptions) -> tuple[list[Image.Image], dict]:
    pil = [Image.fromarray(f) for f in frames]
    kw: dict = {"save_all": True, "append_images": pil[1:], "duration": max(1, round(1000 / opts.fps))}
    if opts.loop:
        kw["loop"] = 0
    return pil, kw


def _write_gif(path: Path, frames: list[np.ndarray], opts: AnimationOptions) -> None:
    pil, kw = _pillow_kwargs(frames, opts)
    kw["disposal"] = 2
    if opts.comment:
        kw["comment"] = opts.comment.encode("utf-8")[:60_000]
    pil[0].save(path, format="GIF", **kw)


def _write_webp(path: Path, frames: list[np.ndarray], opts: AnimationOptions) -> None:
    pil, kw = _pillow_kwargs(frames, opts)
    pil[0].save(path, format="WEBP", lossless=False, quality=90, method=4, **kw)


def mp4_available() -> bool:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def _write_mp4(path: Path, frames: list[np.ndarray], opts: AnimationOptions) -> None:
    import imageio_ffmpeg

    h, w = frames[0].shape[:2]
    # H.264 needs even sizes; yuv420p for players everywhere.
    writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=opts.fps, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=2, output_params=["-f", "mp4"])
    writer.send(None)
    for f in frames:
        writer.send(np.ascontiguousarray(f))
    writer.close()


ANIMATIONS: dict[str, ExportFormat] = {f.suffix: f for f in (
    ExportFormat(".gif", "GIF", _write_gif),
    ExportFormat(".webp", "WebP", _write_webp),
    ExportFormat(".mp4", "MP4", _write_mp4, mp4_available,
                 "MP4 needs the optional imageio-ffmpeg package (pip install 'gan-studio[video]'); "
                 "GIF and WebP work without it."),
)}


def available_animations() -> list[ExportFormat]:
    """The formats this installation can write, for the dialog's list."""
    return [f for f in ANIMATIONS.values() if f.available()]
