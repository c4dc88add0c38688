"""The Recipe: everything that pins down one image given a checkpoint, and its checks against untrusted
JSON (a PNG from anywhere). Torch-free: the exporter, the canvas and the window read recipes without
loading torch; the latent travels as base64 float32 and is turned into a tensor by the renderer."""

from __future__ import annotations

import base64
import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from studio.core.alpha import EDGES, EVERYWHERE, REGIONS
from studio.core.errors import StudioError
from studio.core.images import UPSCALES
from studio.core.formats.upscale_record import LANCZOS, UpscaleRecord

if TYPE_CHECKING:
    import torch

NOISE_MODES = ("const", "random", "none")
# Caps on what a recipe read from a file may ask for: a PNG from elsewhere must not make us allocate
# gigabytes or loop for hours.
MAX_SEEDS = 4096
MAX_W_VALUES = 1 << 17  # 512 KiB of float32: 18 x 512 (StyleGAN at 1024 px) is 9216
MAX_DIRECTIONS = 64
MAX_PCA_SAMPLES = 100_000
MAX_SEED = 2**32 - 1


def encode_w(ws: torch.Tensor) -> tuple[str, list[int]]:
    """Per-layer latents [num_ws, w_dim] -> (base64 of little-endian float32, shape): exact, compact."""
    arr = ws.detach().cpu().float().numpy().astype("<f4")
    return base64.b64encode(arr.tobytes()).decode("ascii"), list(arr.shape)


def decode_w_array(text: str, shape: list[int]) -> np.ndarray:
    """The inverse of `encode_w`, as float32 NumPy (checked: base64, length, finite values)."""
    n = math.prod(shape)
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise StudioError("The recipe's w vector is not valid base64.") from None
    if len(raw) != 4 * n:
        raise StudioError(f"The recipe's w vector has {len(raw) // 4} numbers; its shape {shape} needs {n}.")
    arr = np.frombuffer(raw, dtype="<f4").reshape(shape)
    if not np.isfinite(arr).all():
        raise StudioError("The recipe's w vector contains infinite or undefined numbers.")
    return arr.astype(np.float32)


@dataclass
class Recipe:
    """Everything that pins down one image, given a checkpoint.

    The latent is built as: the seeds' w (blended by `weights`, truncated towards the mean w), then the
    layers `mix_layers` replaced by `mix_seed`'s w (style mixing), then moved along principal
    `directions`. `start_w` (a latent taken from elsewhere: a mixer cell, a favourite) replaces the seeds'
    part: the directions move it. When `w` is set (projections, exports) it is the final per-layer latent
    and wins: the other fields then only say how it was made, and the image no longer depends on them.
    """

    seeds: list[int] = field(default_factory=lambda: [0])
    weights: list[float] | None = None  # blend of the seeds' w (None: the first seed alone)
    truncation: float = 1.0
    class_index: int = 0
    noise_mode: str = "const"  # "const" | "random" | "none"
    noise_seed: int = 0
    noise_layers: list[bool] | None = None  # per synthesis layer; None: noise everywhere
    mix_seed: int | None = None
    mix_layers: list[int] | None = None  # [start, stop) of the w indices taken from mix_seed
    directions: list[list[float]] = field(default_factory=list)  # [[k, amount in std-devs], ...]
    direction_layers: list[int] | None = None  # [start, stop); None: every layer
    pca_samples: int = 4096
    w: str | None = None  # base64 little-endian float32 [num_ws, w_dim]
    w_shape: list[int] | None = None
    start_w: str | None = None  # as `w`, the latent the directions start from (None: the seeds')
    start_w_shape: list[int] | None = None
    upscale: int = 1  # exported at native size x upscale
    # How: "lanczos", or "learned": the run's learned upscale (core/upscale), whose file's SHA-256 and step are
    # kept so that regenerating uses that very network. Absent (recipes from before): Lanczos.
    upscaler: str = LANCZOS
    upscaler_sha256: str | None = None
    upscaler_step: int | None = None
    transparent: bool = False  # exported with the run's background colour taken out as alpha (core/alpha.py)
    # Where: "edges", the background around the subject (the default), or "everywhere" the colour shows.
    # A recipe with "transparent": true and no region is from before regions: it meant "everywhere".
    transparent_region: str = EDGES

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("upscaler", "upscaler_sha256", "upscaler_step"):
            del d[k]
        if self.start_w is None:  # recipes without one read as they did before
            del d["start_w"], d["start_w_shape"]
        d.update(self.upscale_record.to_json())  # nothing for Lanczos: recipes read as they did before
        return d

    @property
    def upscale_record(self) -> UpscaleRecord:
        return UpscaleRecord(self.upscaler, self.upscaler_sha256, self.upscaler_step)

    def with_upscale(self, scale: int, record: UpscaleRecord) -> Recipe:
        """A copy exported at ×scale with this upscale."""
        return dataclasses.replace(self, upscale=scale, upscaler=record.upscaler, upscaler_sha256=record.sha256,
                                   upscaler_step=record.step)

    @classmethod
    def from_json(cls, d: dict) -> Recipe:
        """A recipe from untrusted JSON (a PNG from anywhere): checked field by field, with size caps."""
        if not isinstance(d, dict):
            raise StudioError("The recipe is not a JSON object.")
        names = {f.name for f in dataclasses.fields(cls)}
        if d.get("transparent") is True and "transparent_region" not in d:
            d = {**d, "transparent_region": EVERYWHERE}  # made before regions existed: regenerate what it made
        r = cls(**{k: v for k, v in d.items() if k in names})
        r.validate()
        return r

    def validate(self) -> None:
        def bad(what: str) -> StudioError:
            return StudioError(f"The recipe's {what}.")

        def is_int(v) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v) -> bool:
            return (is_int(v) or isinstance(v, float)) and math.isfinite(v)

        def is_range(v) -> bool:
            return (isinstance(v, list) and len(v) == 2 and all(is_int(x) for x in v) and 0 <= v[0] <= v[1] <= 4096)

        if not isinstance(self.seeds, list) or len(self.seeds) > MAX_SEEDS:
            raise bad(f"seeds must be a list of at most {MAX_SEEDS} seeds")
        if not all(is_int(s) and 0 <= s <= MAX_SEED for s in self.seeds):
            raise bad("seeds must be whole numbers from 0 to 4294967295")
        if not self.seeds and self.w is None and self.start_w is None:
            raise bad("seed list is empty and it has no w vector")
        if self.weights is not None:
            if not isinstance(self.weights, list) or len(self.weights) != len(self.seeds):
                raise bad("blend weights must be one number per seed")
            if not all(is_num(x) and x >= 0 for x in self.weights) or sum(self.weights) <= 0:
                raise bad("blend weights must be non-negative numbers, not all zero")
        if not is_num(self.truncation) or abs(self.truncation) > 100:
            raise bad("truncation must be a number between -100 and 100")
        if not is_int(self.class_index) or not 0 <= self.class_index < 100_000:
            raise bad("class must be a small whole number")
        if self.noise_mode not in NOISE_MODES:
            raise bad(f"noise mode must be one of {', '.join(NOISE_MODES)}")
        if not is_int(self.noise_seed) or not 0 <= self.noise_seed <= 2**63 - 1:
            raise bad("noise seed must be a non-negative whole number")
        if self.noise_layers is not None and (
                not isinstance(self.noise_layers, list) or len(self.noise_layers) > 4096
                or not all(isinstance(x, bool) for x in self.noise_layers)):
            raise bad("per-layer noise switches must be a list of true/false")
        if self.mix_seed is not None and not (is_int(self.mix_seed) and 0 <= self.mix_seed <= MAX_SEED):
            raise bad("mixing seed must be a whole number from 0 to 4294967295")
        if self.mix_layers is not None and not is_range(self.mix_layers):
            raise bad("mixing layers must be [start, stop]")
        if (self.mix_seed is None) != (self.mix_layers is None):
            raise bad("mixing needs both a seed and a layer range")
        if not isinstance(self.directions, list) or len(self.directions) > MAX_DIRECTIONS:
            raise bad(f"directions must be a list of at most {MAX_DIRECTIONS} [k, amount] pairs")
        for d in self.directions:
            if not (isinstance(d, list) and len(d) == 2 and is_int(d[0]) and 0 <= d[0] < 4096
                    and is_num(d[1]) and abs(d[1]) <= 1000):
                raise bad("directions must be [k, amount] pairs")
        if self.direction_layers is not None and not is_range(self.direction_layers):
            raise bad("direction layers must be [start, stop]")
        if not is_int(self.pca_samples) or not 16 <= self.pca_samples <= MAX_PCA_SAMPLES:
            raise bad(f"PCA sample count must be from 16 to {MAX_PCA_SAMPLES}")
        for text, shape, name in ((self.w, self.w_shape, "w vector"),
                                  (self.start_w, self.start_w_shape, "starting latent")):
            if text is None:
                continue
            if (not isinstance(text, str) or not isinstance(shape, list) or len(shape) != 2
                    or not all(is_int(x) and x > 0 for x in shape)):
                raise bad(f"{name} needs a text value and a [layers, size] shape")
            if math.prod(shape) > MAX_W_VALUES or len(text) > MAX_W_VALUES * 6:
                raise bad(f"{name} is larger than {MAX_W_VALUES} numbers")
            decode_w_array(text, shape)  # base64, length and finiteness
        if self.upscale not in UPSCALES:
            raise bad("upscale must be 1, 2 or 4")
        self.upscale_record.validate()
        if self.upscaler != LANCZOS and self.upscale == 1:
            raise bad("learned upscaler is for exports at ×2 or ×4")
        if not isinstance(self.transparent, bool):
            raise bad("transparent switch must be true or false")
        if self.transparent_region not in REGIONS:
            raise bad(f"transparent region must be {' or '.join(REGIONS)}")

    def with_w(self, ws: torch.Tensor) -> Recipe:
        """A copy carrying the final latent [1, num_ws, w_dim] (or [num_ws, w_dim]); the start latent, which
        the final one now contains, is left out (a picture keeps one latent)."""
        text, shape = encode_w(ws.reshape(ws.shape[-2], ws.shape[-1]))
        return dataclasses.replace(self, w=text, w_shape=shape, start_w=None, start_w_shape=None)
