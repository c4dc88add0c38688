"""One picture file's bytes -> (H, W, 3) uint8 in the run's shape: any picture mode to RGB with
transparency laid on the background colour, EXIF rotation, the first frame of animations, then the
crop or pad of core/shape.py. A large picture is made smaller while it is read (JPEG decodes at a reduced
scale; others are box-reduced before any full-size copy), with a memory budget shared by the decoding
threads; one past `MAX_PIXELS`, a truncated or a damaged file becomes an `ImageError` with a reason in
words an artist understands (never a library's name)."""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile

from studio.core.data.files import ImageError
from studio.core.data.settings import DataConfig
from studio.core.data.sources import MAX_KEPT_PIXELS, Source
from studio.core.shape import crop_cuts_subject, fit_picture

# The most pixels a picture may declare: 16384 × 16384, a gigabyte at four bytes a pixel. A file declaring
# more (a "bomb": a small file claiming 100000 × 100000) is refused from its header, before any pixel is
# decoded. The studio decides this itself; Pillow's own limit (179 megapixels) would refuse a 16000 × 12000
# photograph that the studio reads reduced.
MAX_PIXELS = 16384 * 16384
# What the decoding threads together may hold of full-size pictures at once (a picture and one copy of it
# are counted); one picture larger than this is still read, alone.
DECODE_BUDGET_BYTES = 2 * 1024**3
# Box-reduce a picture while it stays at least this many times the size it is fitted to; the crop or pad
# then resamples with Lanczos from there (as Pillow's own `reducing_gap`, which fit_picture uses too).
REDUCING_GAP = 3

# Truncated files must fail loudly so they are reported, not half-decoded into training data.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class Decoded:
    """One decoded picture: the pixels in the run's shape, the file's size, whether it had see-through pixels."""

    pixels: np.ndarray  # (H, W, 3) uint8
    size: tuple[int, int]  # the file's width, height
    transparent: bool = False  # some pixel was not fully opaque (laid on the background colour)
    cut: bool = False  # the crop cut into its subject on a plain background (shape.crop_cuts_subject)


class _TextTooLarge(ImageError):
    """A PNG text chunk inflates past the reader's cap: the pixels may still be good (decode_picture retries
    without the text)."""


class MemoryBudget:
    """Bytes of full-size pictures the decoding threads may hold at once. `hold(n)` waits until `n` fits
    (a request larger than the whole budget waits until nothing else is held, then goes alone)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.waiting = 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, n: int) -> Iterator[None]:
        with self._cond:
            self.waiting += 1
            while self.held and self.held + n > self.limit:
                self._cond.wait()
            self.waiting -= 1
            self.held += n
        try:
            yield
        finally:
            with self._cond:
                self.held -= n
                self._cond.notify_all()


BUDGET = MemoryBudget(DECODE_BUDGET_BYTES)


def _to_rgb(img: Image.Image, background: tuple[int, int, int]) -> tuple[Image.Image, bool]:
    """Any picture mode -> 8-bit RGB, transparency composited onto `background`; and whether any pixel
    was not fully opaque."""
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


def _reducible(img: Image.Image) -> Image.Image:
    """The picture in a mode whose pixels can be averaged, keeping what `_to_rgb` needs: palettes become
    colours (with their transparency), 1-bit and 16-bit grey become 8- and 32-bit grey."""
    mode, info = img.mode, img.info
    if mode == "1":
        return img.convert("L")
    if mode == "P":
        return img.convert("RGBA" if "transparency" in info else "RGB")
    if mode == "PA":
        return img.convert("RGBA")
    if mode == "L" and "transparency" in info:
        return img.convert("LA")
    if mode.startswith("I;16"):
        return img.convert("I")
    return img


# EXIF orientation -> the transposition that shows the picture upright (as ImageOps.exif_transpose).
_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


def _reduction(size: tuple[int, int], turned: bool, config: DataConfig) -> int:
    """The whole-number factor a picture of `size` can be box-reduced by and still be `REDUCING_GAP` times
    the size the crop or pad makes of it (1: not at all)."""
    w, h = size[::-1] if turned else size
    shape = config.shape
    fits = (max if config.fit == "crop" else min)(shape.width / w, shape.height / h)  # the fit's scale
    return max(1, int(1 / (fits * REDUCING_GAP)))


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


def _open(data: bytes) -> ImageFile.ImageFile:
    """The picture's header read by the first format that accepts it, as `Image.open` does, but without
    Image.open's own size refusal, which would stop a 16000 × 12000 photograph before it can be read at a
    reduced scale; `_decode` refuses by size itself. Touches no process-wide setting (the files are
    decoded in a thread pool)."""
    Image.init()
    fp, prefix = io.BytesIO(data), data[:16]
    for fmt in list(Image.ID):
        factory, accept = Image.OPEN[fmt]
        accepted = accept(prefix) if accept else True
        if not accepted or isinstance(accepted, str):  # a string is a plugin's "not this version"
            continue
        try:
            fp.seek(0)
            return factory(fp, "")
        except (SyntaxError, IndexError, TypeError, struct.error):
            continue  # the next format may read it (as Image.open)
    raise Image.UnidentifiedImageError


def decode_image(data: bytes, config: DataConfig) -> tuple[np.ndarray, tuple[int, int]]:
    """Bytes of one image file -> (H, W, 3) uint8 in the configured shape, plus the original size."""
    d = decode_picture(data, config)
    return d.pixels, d.size


def decode_picture(data: bytes, config: DataConfig, keep: Callable[[Source], None] | None = None) -> Decoded:
    """Bytes of one image file -> its pixels in the configured shape, size and transparency. `keep` is
    handed the picture as read (a `Source`, for another fit later: `refit`) when it is small and not a JPEG."""
    try:
        return _decode(data, config, keep)
    except _TextTooLarge:
        stripped = _without_png_text(data)
        if stripped is None:
            raise ImageError("a text note inside this PNG is too large, and the file is damaged") from None
        return _decode(stripped, config, keep)


def refit(source: Source, config: DataConfig) -> Decoded:
    """A picture kept as read, fitted to `config`: the same pixels as reading its file again."""
    return _fit(source.image, source.size, source.orientation, config, close=False)


def _fit(img: Image.Image, size: tuple[int, int], orientation: int | None, config: DataConfig,
         close: bool) -> Decoded:
    """A loaded picture -> the run's shape: box-reduced while it stays `REDUCING_GAP` times the fit, turned
    upright, laid on the background, cropped or padded. `close`: free the full-size pixels once reduced."""
    shape = config.shape
    turn = _ORIENTATION.get(orientation)
    factor = _reduction(img.size, orientation in (5, 6, 7, 8), config)  # 5-8 swap width and height
    pic: Image.Image = img
    if factor > 1:
        pic = _reducible(img).reduce(factor)
        if close:
            img.close()  # the full-size pixels go now, not when the file closes
    if turn is not None:
        pic = pic.transpose(turn)
    rgb, transparent = _to_rgb(pic, config.background)
    out = fit_picture(rgb, shape.width, shape.height, config.fit, config.background)
    cut = config.fit == "crop" and crop_cuts_subject(rgb, shape.width, shape.height)
    return Decoded(np.asarray(out, dtype=np.uint8).copy(), size, transparent, cut)


# Details of a failure worth passing on to the artist; one naming a library or its internals is left out.
_NOT_FOR_ARTISTS = ("pil", "pillow", "plugin", "bomb", "decoder", "tile")


def _damaged(e: BaseException) -> ImageError:
    detail = str(e)
    truncated = isinstance(e, EOFError) or "truncated" in detail.lower()
    what = "truncated or damaged file" if truncated else "damaged file"
    if not detail or any(word in detail.lower() for word in _NOT_FOR_ARTISTS):
        return ImageError(what)
    return ImageError(f"{what} ({detail})")


def _decode(data: bytes, config: DataConfig, keep: Callable[[Source], None] | None = None) -> Decoded:
    shape = config.shape
    size = (0, 0)
    try:
        img = _open(data)
        with img:
            w, h = size = img.size
            if w * h > MAX_PIXELS:
                raise ImageError(f"too large to read safely: {w}×{h} pixels (the studio reads pictures of up "
                                 f"to {MAX_PIXELS // 1_000_000} megapixels)")
            if img.format == "JPEG":
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale: a 16000 × 12000 photo never exists at full size.
                img.draft(img.mode, (shape.width * 2, shape.height * 2))
            img.seek(0)  # first frame of animations
            dw, dh = img.size  # as it will be decoded
            with BUDGET.hold(dw * dh * 4 * 2):  # the decoded picture (up to 4 bytes a pixel) and one copy
                img.load()
                orientation = img.getexif().get(0x0112)
                if keep is not None and img.format != "JPEG" and dw * dh <= MAX_KEPT_PIXELS:
                    kept = img.copy()  # detached from the file: what a later fit starts from
                    keep(Source(kept, (w, h), orientation))
                    return _fit(kept, (w, h), orientation, config, close=False)
                return _fit(img, (w, h), orientation, config, close=True)
    except ImageError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        # A format's own size check while reading frames or tiles (GIF, TIFF).
        raise ImageError(f"too large to read safely: {size[0]}×{size[1]} pixels") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not a picture the studio can read (the wrong file extension, or a damaged file)") from None
    except ValueError as e:
        if "MAX_TEXT_CHUNK" in str(e):
            raise _TextTooLarge("a text note inside this PNG is too large") from None
        raise _damaged(e) from None
    except (OSError, SyntaxError, EOFError, IndexError, TypeError, struct.error) as e:
        raise _damaged(e) from None
    except MemoryError:
        raise ImageError(f"too large to read in this computer's memory: {size[0]}×{size[1]} pixels") from None
