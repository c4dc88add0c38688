"""The torch-free half of inpainting: its settings, the hole mask (painted, cropped, feathered, encoded),
the composite, and the `gan-studio:inpaint` record a PNG carries. The exporter reads records from here
without loading the optimisation (explore/inpaint.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from studio.core.errors import StudioError
from studio.core.formats.recipe import MAX_SEED
from studio.core.images import centre_window, hw, load_picture, prepare_target

INPAINT_KEY = "gan-studio:inpaint"
MAX_FEATHER = 32
MAX_MASK_CHARS = 1 << 20  # base64 of a 1024 px two-level PNG is far below this


@dataclass(frozen=True)
class InpaintSettings:
    """How to fill: optimisation steps, the start latent's seed, the seam's width in model pixels."""

    steps: int = 200
    seed: int = 0  # the starting latent: another seed gives another plausible fill
    feather: int = 2  # pixels (at the model's resolution) over which the fill fades into the picture
    lr: float = 0.05
    start_truncation: float = 0.7  # the start latent is pulled this far towards the mean (safer starts)
    w_plus: bool = False  # one w per layer: fits the known pixels closer, fills less plausibly
    perceptual_weight: float = 1.0

    def validate(self) -> None:
        if not 1 <= self.steps <= 100_000:
            raise StudioError("Inpainting needs from 1 to 100000 steps.")
        if not 0 <= self.seed <= MAX_SEED:
            raise StudioError("The seed must be a whole number from 0 to 4294967295.")
        if not 0 <= self.feather <= MAX_FEATHER:
            raise StudioError(f"The feather must be from 0 to {MAX_FEATHER} pixels.")
        if not (0 < self.lr <= 1 and 0 <= self.start_truncation <= 1 and self.perceptual_weight >= 0):
            raise StudioError("Learning rate, start truncation or perceptual weight out of range.")


@dataclass(frozen=True)
class SourcePicture:
    """The picture to repair as read from its file, with the file's SHA-256 (recorded in the export)."""

    image: np.ndarray  # uint8 (H, W, 3)
    sha256: str
    name: str
    path: str


def load_source(path: str | Path) -> SourcePicture:
    path = Path(path).expanduser()
    image = load_picture(path)
    return SourcePicture(image, hashlib.sha256(path.read_bytes()).hexdigest(), path.name, str(path.resolve()))


def load_mask(path: str | Path) -> np.ndarray:
    """A mask picture -> uint8 (H, W) grey; white is the hole, transparent pixels count as black (kept)."""
    return load_picture(path, mode="L", background=(0, 0, 0), what="mask picture")


def prepare_mask(mask: np.ndarray, picture_shape: tuple[int, ...], size: int | Sequence[int]) -> np.ndarray:
    """A grey mask of the picture's size -> the hole at the model's size ((height, width) or a square's
    side), bool (height, width).

    Cropped like the picture. A model pixel is part of the hole as soon as any of the picture pixels it
    covers is painted (grey > 127): a partly damaged pixel is repaired, and thin strokes never vanish.
    """
    mask = np.asarray(mask)
    if mask.ndim == 3:
        mask = np.asarray(Image.fromarray(mask[..., :3].astype(np.uint8)).convert("L"))
    ph, pw = picture_shape[:2]
    mh, mw = mask.shape
    if (mh, mw) != (ph, pw) and abs(mh * pw - mw * ph) > max(mh, mw, ph, pw):
        raise StudioError(f"The mask is {mw}×{mh} pixels but the picture is {pw}×{ph}; paint the mask at the "
                          "picture's size (or at least its shape).")
    painted = Image.fromarray(np.where(mask > 127, 255, 0).astype(np.uint8))
    th, tw = hw(size)
    window = painted.crop(centre_window(mw, mh, (th, tw)))
    coverage = np.asarray(window.resize((tw, th), Image.BOX))
    return coverage > 0


def feathered_mask(hole: np.ndarray, feather: int) -> np.ndarray:
    """Blend weight of the generated image: 1 in the hole, fading to 0 over `feather` pixels around it.

    The fade follows the exact Euclidean distance to the hole; pixels farther than `feather` get exactly 0,
    so the composite keeps the picture's own pixels there bit for bit.
    """
    hole = np.asarray(hole, dtype=bool)
    if feather <= 0:
        return hole.astype(np.float32)
    h, w = hole.shape
    dist = np.full((h, w), np.inf, np.float32)
    padded = np.pad(hole, feather)
    for dy in range(-feather, feather + 1):
        for dx in range(-feather, feather + 1):
            d = math.hypot(dy, dx)
            if d > feather:
                continue
            near = padded[feather + dy: feather + dy + h, feather + dx: feather + dx + w]
            dist = np.where(near & (d < dist), np.float32(d), dist)
    t = np.clip(1 - dist / (feather + 1), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)  # smoothstep: no visible edge where the fade starts or ends


def composite(picture: np.ndarray, generated: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """alpha * generated + (1 - alpha) * picture, rounded to uint8 (exactly the picture where alpha is 0)."""
    a = alpha.astype(np.float32)[..., None]
    out = a * generated.astype(np.float32) + (1 - a) * picture.astype(np.float32)
    return np.rint(out).clip(0, 255).astype(np.uint8)


def encode_mask(hole: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.where(hole, 255, 0).astype(np.uint8)).save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_mask(text: str, resolution: int, width: int = 0) -> np.ndarray:
    """The hole (bool, resolution × width; width 0: a square) from the record's base64 PNG."""
    if not isinstance(text, str) or len(text) > MAX_MASK_CHARS:
        raise StudioError("The inpainting mask in this PNG is missing or too large.")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        with Image.open(io.BytesIO(raw)) as im:
            if im.format != "PNG" or im.size != (width or resolution, resolution):
                raise ValueError(f"a {im.format} of {im.size}")
            return np.asarray(im.convert("L")) > 127
    except (ValueError, OSError, UnicodeEncodeError, Image.DecompressionBombError) as e:
        raise StudioError(f"The inpainting mask in this PNG cannot be read ({e}).") from None


@dataclass
class InpaintRecord:
    """What the `gan-studio:inpaint` chunk says: enough to rebuild the composite from the source picture."""

    source_name: str
    source_sha256: str
    source_path: str
    resolution: int  # the picture's height at the model's size
    mask: str  # base64 PNG of the hole at the model's size (white = hole)
    settings: dict = field(default_factory=dict)  # InpaintSettings as JSON
    final_loss: float | None = None
    width: int = 0  # the picture's width; 0: square (records from before shapes)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: object) -> InpaintRecord:
        """From untrusted JSON: type-checked, bounded, mask decoded once to prove it is sound."""
        if not isinstance(d, dict):
            raise StudioError("The inpainting record in this PNG is not a JSON object.")
        res = d.get("resolution")
        sha = d.get("source_sha256")
        if not (isinstance(res, int) and not isinstance(res, bool) and 4 <= res <= 4096):
            raise StudioError("The inpainting record's resolution is not valid.")
        if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            raise StudioError("The inpainting record's source SHA-256 is not valid.")
        settings = d.get("settings", {})
        if not isinstance(settings, dict):
            raise StudioError("The inpainting record's settings are not valid.")
        known = {k: settings[k] for k in InpaintSettings.__dataclass_fields__ if k in settings}
        try:
            InpaintSettings(**known).validate()
        except TypeError:
            raise StudioError("The inpainting record's settings are not valid.") from None
        loss = d.get("final_loss")
        width = d.get("width", 0)
        if not (isinstance(width, int) and not isinstance(width, bool) and (width == 0 or 4 <= width <= 4096)):
            raise StudioError("The inpainting record's width is not valid.")
        rec = cls(str(d.get("source_name", ""))[:1000], sha, str(d.get("source_path", ""))[:4096], res,
                  d.get("mask", ""), known, float(loss) if isinstance(loss, (int, float)) else None, width)
        decode_mask(rec.mask, res, width)
        return rec

    @property
    def feather(self) -> int:
        return int(self.settings.get("feather", InpaintSettings.feather))

    def hole(self) -> np.ndarray:
        return decode_mask(self.mask, self.resolution, self.width)

    def recomposite(self, generated: np.ndarray, source: SourcePicture) -> np.ndarray:
        """The repaired picture again, from the regenerated fill and the original picture file."""
        if source.sha256 != self.source_sha256:
            raise StudioError(f"{source.name} is not the picture that was repaired (its SHA-256 differs).")
        target = prepare_target(source.image, (self.resolution, self.width or self.resolution))
        return composite(target, generated, feathered_mask(self.hole(), self.feather))
