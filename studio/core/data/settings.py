"""How an artist's pictures become training samples: the shape, the crop-or-pad fit, the colour behind
transparency and whether sub-folders are classes (`DataConfig`, part of every run's `TrainConfig`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.core.errors import StudioError
from studio.core.shape import FIT_MODES, MAX_SCALE, MIN_SCALE, CanvasShape, canvas_shape

MIN_RESOLUTION, MAX_RESOLUTION = MIN_SCALE, MAX_SCALE


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
