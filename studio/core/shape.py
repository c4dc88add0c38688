"""The canvas shape of a run: width × height in pixels, and fitting a picture to it. Torch-free.

Both models grow a picture from a small starting block by doubling it: a square run starts from 4×4 and
doubles to 16, 32, 64 px; a landscape 3:2 run starts from 6×4 (width × height) and doubles to 24×16,
48×32, 96×64. The networks are built at a *scale*, the square-equivalent resolution 4·2^n (the side a
4×4 block doubled n times reaches): every feature map is (block height, block width) × scale / 4. For a
square run the scale is the resolution, so nothing about square runs changes.

`canvas_shape(aspect, resolution)` picks the block nearest the aspect (short side 4, or 3 where that is
nearer, long side up to twice the short) and the doublings whose long side is nearest the resolution;
`canvas_sizes(aspect)` lists the sizes it can make, each once (what the window offers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

from studio.core.errors import StudioError

# The aspects offered by name (width:height). Others in "W:H" form are accepted too, from 1:2 to 2:1.
ASPECTS = ("1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16")
MIN_SCALE, MAX_SCALE = 16, 1024  # the networks' square-equivalent resolution (MIN/MAX_RESOLUTION of data)
FIT_MODES = ("crop", "pad")


def _blocks() -> list[tuple[int, int]]:
    """Starting blocks (width, height) the networks can grow from, the preferred first (short side 4)."""
    out: list[tuple[int, int]] = []
    for short in (4, 3):
        for long in range(short, 2 * short + 1):
            for b in ((long, short), (short, long)):
                if b not in out:
                    out.append(b)
    return out


BLOCKS = _blocks()


@dataclass(frozen=True)
class CanvasShape:
    """A run's picture size: `block` (width, height) doubled until the picture is width × height."""

    width: int = 64
    height: int = 64
    block_w: int = 4
    block_h: int = 4

    def __post_init__(self) -> None:
        fw, fh = self.width // self.block_w, self.height // self.block_h
        if (self.width % self.block_w or self.height % self.block_h or fw != fh or fw < 1 or fw & (fw - 1)):
            raise StudioError(f"{self.width}×{self.height} px is not a {self.block_w}×{self.block_h} block "
                              "doubled a whole number of times.")

    @property
    def scale(self) -> int:
        """The square-equivalent resolution the networks are built at (a power of two)."""
        return 4 * self.width // self.block_w

    @property
    def block(self) -> tuple[int, int]:
        """(height, width) of the starting block, as torch orders sizes."""
        return (self.block_h, self.block_w)

    @property
    def long_side(self) -> int:
        return max(self.width, self.height)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def area_side(self) -> int:
        """The side of the square of the same area (24×16: 19): what speed and image counts scale with."""
        return math.isqrt(self.pixels)

    @property
    def is_square(self) -> bool:
        return self.width == self.height

    @property
    def orientation(self) -> str:
        return "square" if self.is_square else "landscape" if self.width > self.height else "portrait"

    @property
    def aspect(self) -> str:
        """The named aspect nearest this shape ("3:2"; a 28×16 picture is "16:9")."""
        ratio = self.width / self.height
        return _nearest_aspect(ratio)

    def size_at(self, scale: int) -> tuple[int, int]:
        """(height, width) of the picture at a lower scale (a progressive stage)."""
        return (self.block_h * scale // 4, self.block_w * scale // 4)

    @property
    def px(self) -> str:
        """The size in short: '24×16 px', and a square's side alone, '64 px'."""
        return f"{self.width} px" if self.is_square else f"{self.width}×{self.height} px"

    def at_scale(self, scale: int) -> CanvasShape:
        """This shape at another scale (a progressive stage): 24×16 at scale 8 is 12×8."""
        return CanvasShape.of_model(scale, self.block_w, self.block_h)

    def describe(self) -> str:
        """'24×16 px (3:2 landscape)' / '64×64 px (square)'."""
        if self.is_square:
            return f"{self.width}×{self.height} px (square)"
        return f"{self.width}×{self.height} px ({self.aspect} {self.orientation})"

    def to_json(self) -> dict:
        return {"width": self.width, "height": self.height, "block_w": self.block_w, "block_h": self.block_h}

    @classmethod
    def square(cls, resolution: int) -> CanvasShape:
        return cls(resolution, resolution, 4, 4)

    @classmethod
    def of_model(cls, scale: int, block_w: int = 4, block_h: int = 4) -> CanvasShape:
        """The shape a network built at `scale` from a block_w × block_h block makes."""
        return cls(block_w * scale // 4, block_h * scale // 4, block_w, block_h)


def parse_aspect(text: str) -> float:
    """'3:2' -> 1.5 (width / height); a StudioError naming the choices for anything else."""
    parts = str(text).strip().replace("x", ":").replace("/", ":").split(":")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        w = h = 0
    if len(parts) != 2 or not (0 < w <= 100 and 0 < h <= 100):
        raise StudioError(f"'{text}' is not an aspect: give width:height, such as {', '.join(ASPECTS)}.")
    ratio = w / h
    if not 0.5 <= ratio <= 2.0:
        raise StudioError(f"The aspect {text} is too narrow: the studio makes shapes from 1:2 to 2:1.")
    return ratio


def check_square_resolution(r: int) -> None:
    if r < MIN_SCALE or r > MAX_SCALE or r & (r - 1):
        raise StudioError(
            f"Resolution {r} is not supported: choose a power of two from "
            f"{MIN_SCALE} to {MAX_SCALE} (16, 32, 64, 128, 256, 512 or 1024)."
        )


def canvas_shape(aspect: str, resolution: int) -> CanvasShape:
    """The shape the networks make nearest `aspect` with its long side nearest `resolution` px."""
    ratio = parse_aspect(aspect)
    if abs(ratio - 1.0) < 1e-9:
        check_square_resolution(resolution)
        return CanvasShape.square(resolution)
    if not MIN_SCALE <= resolution <= MAX_SCALE:
        raise StudioError(f"Resolution {resolution} is not supported: the long side goes from {MIN_SCALE} to "
                          f"{MAX_SCALE} px.")
    bw, bh = min(BLOCKS, key=lambda b: abs(math.log(b[0] / b[1] / ratio)))  # first (short side 4) wins ties
    scales = [2**i for i in range(int(math.log2(MIN_SCALE)), int(math.log2(MAX_SCALE)) + 1)]
    # Nearest long side on a log scale; a tie goes to the larger picture.
    scale = min(scales, key=lambda s: (abs(math.log(max(bw, bh) * s / 4 / resolution)), -s))
    return CanvasShape.of_model(scale, bw, bh)


def canvas_sizes(aspect: str) -> tuple[CanvasShape, ...]:
    """Every size the networks make for `aspect`, smallest first, each once: one per scale from 16 px up,
    while its long side stays within the resolutions the studio trains (3:2: 24×16, 48×32 … 768×512). Asking
    `canvas_shape(aspect, s.long_side)` makes exactly `s`, so a list of these is a list of resolutions."""
    smallest = canvas_shape(aspect, MIN_SCALE)  # the block, at the networks' smallest scale
    scales = (MIN_SCALE * 2**i for i in range(int(math.log2(MAX_SCALE // MIN_SCALE)) + 1))
    return tuple(s for s in map(smallest.at_scale, scales) if s.long_side <= MAX_SCALE)


def crop_window(w: int, h: int, width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the largest centred window of width:height in a w × h picture: what
    the 'crop' fit keeps."""
    if w * height > h * width:  # wider than the target
        cw, ch = max(1, round(h * width / height)), h
    else:
        cw, ch = w, max(1, round(w * height / width))
    left, top = (w - cw) // 2, (h - ch) // 2
    return left, top, left + cw, top + ch


PLAIN_BORDER = 0.8  # share of a picture's border in one colour that makes it a subject on a plain background
SUBJECT_CUT = 0.02  # share of the subject's pixels a crop may drop before it counts as cutting into it
_SUBJECT_LUT = [255 if v > 16 else 0 for v in range(256)]  # a difference from the border's colour that shows


def crop_cuts_subject(img: Image.Image, width: int, height: int) -> bool:
    """Whether the 'crop' fit to width × height cuts into the subject of a picture on a plain background (a
    letter, an icon, a head): more than `SUBJECT_CUT` of the pixels that differ from the border's colour
    fall outside the crop. Photographs (no plain border) are never counted: cropping them is expected."""
    w, h = img.size
    left, top, right, bottom = crop_window(w, h, width, height)
    if h < 3 or w < 3 or (right - left, bottom - top) == (w, h):
        return False  # the crop keeps the whole picture
    rgb = img.convert("RGB")
    a = np.asarray(rgb)
    border = np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]]).astype(np.int16)
    colour = np.median(border, axis=0)
    if (np.abs(border - colour).max(axis=1) <= 16).mean() < PLAIN_BORDER:
        return False
    # The subject: pixels unlike the border's colour (the difference's luminance, computed by Pillow in C).
    plain = Image.new("RGB", rgb.size, tuple(int(c) for c in colour))
    subject = ImageChops.difference(rgb, plain).convert("L").point(_SUBJECT_LUT)
    total = subject.histogram()[255]
    if total == 0:
        return False
    kept = subject.crop((left, top, right, bottom)).histogram()[255]
    return (total - kept) / total > SUBJECT_CUT


def fit_picture(img: Image.Image, width: int, height: int, fit: str,
                background: tuple[int, int, int]) -> Image.Image:
    """An RGB picture -> width × height: 'crop' centre-crops to the shape's aspect, 'pad' fits the whole
    picture inside and fills the rest with `background`."""
    w, h = img.size
    if fit == "crop":
        img = img.crop(crop_window(w, h, width, height))
        return img.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    scale = min(width / w, height / h)
    nw, nh = max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale)))
    img = img.resize((nw, nh), Image.Resampling.LANCZOS, reducing_gap=3.0)
    canvas = Image.new("RGB", (width, height), background)
    canvas.paste(img, ((width - nw) // 2, (height - nh) // 2))
    return canvas


def _nearest_aspect(ratio: float) -> str:
    return min(ASPECTS, key=lambda a: abs(math.log(parse_aspect(a) / ratio)))


def suggest_aspect(sizes: list[tuple[int, int]]) -> tuple[str, str]:
    """The named aspect nearest the folder's median width/height, and a sentence saying so
    ("most of these images are landscape 3:2")."""
    ratios = sorted(w / h for w, h in sizes if w > 0 and h > 0)
    if not ratios:
        return "1:1", "no images to suggest a shape from: square"
    aspect = _nearest_aspect(ratios[len(ratios) // 2])
    share = sum(1 for r in ratios if _nearest_aspect(r) == aspect) / len(ratios)
    ratio = parse_aspect(aspect)
    kind = "square" if ratio == 1 else f"landscape {aspect}" if ratio > 1 else f"portrait {aspect}"
    who = "all of these images are" if share == 1 else "most of these images are" if share > 0.5 else (
        "the median image is")
    return aspect, f"{who} {kind}"
