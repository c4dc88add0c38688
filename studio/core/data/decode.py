"""One picture file's bytes -> (H, W, 3) uint8 in the run's shape: any Pillow mode to RGB with
transparency laid on the background colour, EXIF rotation, the first frame of animations, then the
crop or pad of core/shape.py. Bombs, truncated and damaged files become an `ImageError` with a reason."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, ImageOps

from studio.core.data.files import ImageError
from studio.core.data.settings import DataConfig
from studio.core.shape import fit_picture

# Pillow's own bomb guard warns at this many pixels; we refuse instead of warning.
MAX_PIXELS = 100_000_000

# Truncated files must fail loudly so they are reported, not half-decoded into training data.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class Decoded:
    """One decoded picture: the pixels in the run's shape, the file's size, whether it had see-through pixels."""

    pixels: np.ndarray  # (H, W, 3) uint8
    size: tuple[int, int]  # the file's width, height
    transparent: bool = False  # some pixel was not fully opaque (laid on the background colour)


def _to_rgb(img: Image.Image, background: tuple[int, int, int]) -> tuple[Image.Image, bool]:
    """Any Pillow mode -> 8-bit RGB, transparency composited onto `background`; and whether any pixel was
    not fully opaque."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img).astype(np.float64)
        hi = arr.max() if arr.size else 0
        scale = 255.0 / 65535.0 if hi > 255 else 1.0
        arr8 = np.clip(arr * scale + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB"), False
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info)
    if mode == "L" and "transparency" in img.info:
        has_alpha = True
    if has_alpha:
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, background + (255,))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB"), rgba.getextrema()[3][0] < 255
    return img.convert("RGB"), False


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
    d = decode_picture(data, config)
    return d.pixels, d.size


def decode_picture(data: bytes, config: DataConfig) -> Decoded:
    """Bytes of one image file -> its pixels in the configured shape, size and transparency."""
    try:
        return _decode(data, config)
    except ImageError as e:
        if "MAX_TEXT_CHUNK" not in str(e):
            raise
        stripped = _without_png_text(data)
        if stripped is None:
            raise ImageError("a PNG text chunk is too large and the file is damaged") from None
        return _decode(stripped, config)


def _decode(data: bytes, config: DataConfig) -> Decoded:
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
            rgb, transparent = _to_rgb(img, config.background)
            out = fit_picture(rgb, shape.width, shape.height, config.fit, config.background)
            return Decoded(np.asarray(out, dtype=np.uint8).copy(), (w, h), transparent)
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
