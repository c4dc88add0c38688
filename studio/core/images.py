"""Pictures as arrays: generator output to uint8, sample grids, tiling, Lanczos upscaling, reading and
centre-cropping picture files. Shared by training (snapshots), exploring and exporting.

Torch-free at import (tensors are handled through their own methods), so the exporter and the recipe
code that use it do not load torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from studio.core.errors import StudioError
from studio.core.shape import crop_window

if TYPE_CHECKING:
    import torch

UPSCALES = (1, 2, 4)


def images_to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float NCHW -> uint8 NCHW, on the same device."""
    return (images.float() * 127.5 + 128).clamp(0, 255).byte()


def grid_columns(n: int, height: int = 1, width: int = 1) -> int:
    """Columns of a grid of n pictures of this shape that comes out about square (a square picture:
    ceil(sqrt(n)); landscape pictures: fewer columns, portrait: more)."""
    return max(1, math.ceil(math.sqrt(n * height / width)))


def grid_image(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """A batch in [-1, 1] -> one uint8 (H, W, 3) grid with black gaps (torchvision's make_grid layout),
    made on the device and moved to numpy once."""
    u8 = images_to_uint8(images)
    n, c, h, w = u8.shape
    if n == 1:
        grid = u8[0]
    else:
        cols = min(nrow or grid_columns(n, h, w), n)
        rows = math.ceil(n / cols)
        ch, cw = h + padding, w + padding
        grid = u8.new_zeros((c, rows * ch + padding, cols * cw + padding))
        for k in range(n):
            y, x = divmod(k, cols)
            grid[:, y * ch + padding: y * ch + padding + h, x * cw + padding: x * cw + padding + w] = u8[k]
    return grid.permute(1, 2, 0).contiguous().cpu().numpy()


def tile(images: Sequence[np.ndarray], cols: int | None = None, gap: int = 2, fill: int = 255) -> np.ndarray:
    """Images of equal size (H, W, C) -> one grid, gaps of `fill` between cells (white; 0 for RGBA: clear)."""
    n = len(images)
    h, w, channels = images[0].shape
    cols = cols or grid_columns(n, h, w)
    rows = math.ceil(n / cols)
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, channels), fill, np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = img
    return out


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Lanczos upscaling by 1, 2 or 4 (deterministic: the same pixels every time)."""
    if factor == 1:
        return image
    if factor not in UPSCALES:
        raise StudioError("Images can be upscaled x2 or x4.")
    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((w * factor, h * factor), Image.LANCZOS))


@contextmanager
def open_picture(path: Path, cannot_read: str, max_bytes: int | None = None) -> Iterator[Image.Image]:
    """Pillow's Image.open with its failures as StudioErrors a user understands: a missing file, a file
    that is not a picture (`cannot_read`, e.g. "is not a picture the studio can read", ends the sentence
    before the reason), a picture past Pillow's size limit, a file over `max_bytes`, an unreadable disk.
    Errors raised in the `with` body (say, by `im.load()`) are translated too; a StudioError passes
    through."""
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise StudioError(f"{path.name} is larger than {max_bytes / 2**30:g} GiB; not reading it.")
        with Image.open(path) as im:
            yield im
    except FileNotFoundError:
        raise StudioError(f"{path} does not exist.") from None
    except Image.DecompressionBombError:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000
        raise StudioError(f"{path.name} is too large to read safely (more than {limit} megapixels).") from None
    except (UnidentifiedImageError, ValueError, SyntaxError) as e:
        # Pillow's words for a text chunk past its cap name its internals; the artist gets what it means.
        why = "a text note inside it is too large" if "MAX_TEXT_CHUNK" in str(e) else e
        raise StudioError(f"{path.name} {cannot_read} ({why}).") from None
    except OSError as e:
        raise StudioError(f"Cannot read {path}: {e.strerror or e}.") from None


def load_picture(path: str | Path, mode: str = "RGB", background: tuple[int, int, int] = (255, 255, 255),
                 what: str = "picture") -> np.ndarray:
    """A picture file -> uint8 array in `mode` ("RGB": (H, W, 3); "L": (H, W) grey), transparency laid on
    `background`, or a StudioError a user understands (`what` names the file's role in it)."""
    path = Path(path).expanduser()
    with open_picture(path, f"is not a {what} the studio can read") as im:
        im.load()
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            im = Image.alpha_composite(Image.new("RGBA", im.size, (*background, 255)), im)
        return np.asarray(im.convert(mode))


def hw(size: int | Sequence[int]) -> tuple[int, int]:
    """A picture size as (height, width): a square's side, or (height, width) already."""
    return (int(size), int(size)) if isinstance(size, (int, np.integer)) else (int(size[0]), int(size[1]))


def centre_window(width: int, height: int, size: int | Sequence[int]) -> tuple[int, int, int, int]:
    """The largest centred (left, top, right, bottom) box of a width × height picture with the aspect of
    `size` (the crop training images get, core/shape.fit_picture)."""
    th, tw = hw(size)
    return crop_window(width, height, tw, th)


def fit_note(width: int, height: int, size: int | Sequence[int]) -> str:
    """How a width × height picture becomes the model's `size` ((height, width) or a square's side) for
    projection and inpainting, in words: '' when it has the model's shape already (only scaled), else
    'the 300×200 picture was cropped to its centre 200×200 and scaled to 64×64 px, the model's shape'."""
    th, tw = hw(size)
    left, top, right, bottom = centre_window(width, height, size)
    if (right - left, bottom - top) == (width, height):
        return ""
    return (f"the {width}×{height} picture was cropped to its centre {right - left}×{bottom - top} and scaled to "
            f"{tw}×{th} px, the model's shape")


def prepare_target(image: np.ndarray, size: int | Sequence[int]) -> np.ndarray:
    """Any RGB(A)/grey uint8 picture -> centre-cropped to the model's shape and resized: (height, width, 3)
    for `size` (height, width), or (size, size, 3) for a square's side."""
    img = Image.fromarray(image).convert("RGB")
    th, tw = hw(size)
    img = img.crop(centre_window(img.width, img.height, size)).resize((tw, th), Image.LANCZOS)
    return np.asarray(img)
