"""The latent canvas as a model: pins on a 2-D plane, a cursor, settings, with undo/redo (no Qt, no tensors).

The Explore tab's widgets edit this model and render `recipe()`; tests drive it headless.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.explore.latents import inverse_distance_weights
from studio.core.formats.recipe import Recipe

MAX_UNDO = 500


@dataclass(frozen=True)
class Pin:
    seed: int
    x: float  # 0..1, left to right
    y: float  # 0..1, top to bottom


@dataclass(frozen=True)
class CanvasState:
    """One undoable state of the canvas."""

    pins: tuple[Pin, ...] = (Pin(0, 0.25, 0.3), Pin(1, 0.75, 0.3), Pin(2, 0.5, 0.8))
    cursor: tuple[float, float] = (0.5, 0.45)
    truncation: float = 1.0
    directions: tuple[tuple[int, float], ...] = ()
    direction_layers: tuple[int, int] | None = None
    noise_mode: str = "const"
    noise_seed: int = 0
    noise_layers: tuple[bool, ...] | None = None  # per synthesis layer; None: noise on every layer
    mix_seed: int | None = None
    mix_layers: tuple[int, int] | None = None
    w: str | None = None  # a latent taken from elsewhere (a mixer cell, a favourite, a projection)
    w_shape: tuple[int, int] | None = None

    def recipe(self) -> Recipe:
        """The image under the cursor: the inverse-distance blend of the pins, plus the settings."""
        base = dict(truncation=self.truncation, directions=[[k, a] for k, a in self.directions if a != 0],
                    direction_layers=list(self.direction_layers) if self.direction_layers else None,
                    noise_mode=self.noise_mode, noise_seed=self.noise_seed,
                    noise_layers=list(self.noise_layers) if self.noise_layers is not None else None)
        if self.w is not None:
            # An imported latent replaces the pin blend until the cursor moves again; the directions move it,
            # ψ (which pulls the pins' blend) does not act on it.
            kept = {k: v for k, v in base.items() if k != "truncation"}
            if kept["directions"]:
                return Recipe(seeds=[], start_w=self.w, start_w_shape=list(self.w_shape or ()), **kept)
            return Recipe(seeds=[], w=self.w, w_shape=list(self.w_shape or ()), **{
                k: v for k, v in kept.items() if k in ("noise_mode", "noise_seed", "noise_layers")})
        if not self.pins:
            raise StudioError("Add a pin to the canvas first (double-click it).")
        weights = inverse_distance_weights(self.cursor, [(p.x, p.y) for p in self.pins])
        seeds = [p.seed for p in self.pins]
        if len(seeds) == 1:
            weights = None
        return Recipe(seeds=seeds, weights=weights, mix_seed=self.mix_seed,
                      mix_layers=list(self.mix_layers) if self.mix_layers else None, **base)


class CanvasModel:
    """Holds the current CanvasState and its undo/redo history."""

    def __init__(self, state: CanvasState | None = None) -> None:
        self.state = state or CanvasState()
        self._undo: list[CanvasState] = []
        self._redo: list[CanvasState] = []

    def update(self, record: bool = True, **changes) -> CanvasState:
        """Replace fields of the state; `record=False` for the moves inside one drag (see `begin`)."""
        new = dataclasses.replace(self.state, **changes)
        if new == self.state:
            return self.state
        if record:
            self.begin()
        self.state = new
        return new

    def begin(self) -> None:
        """Remember the current state as one undo step (called once when a drag starts)."""
        if not self._undo or self._undo[-1] != self.state:
            self._undo.append(self.state)
            del self._undo[:-MAX_UNDO]
        self._redo.clear()

    def can_undo(self) -> bool:
        return bool(self._undo) and not (len(self._undo) == 1 and self._undo[0] == self.state)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        while self._undo and self._undo[-1] == self.state:
            self._undo.pop()  # a drag that began but moved nothing
        if not self._undo:
            return False
        self._redo.append(self.state)
        self.state = self._undo.pop()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.state)
        self.state = self._redo.pop()
        return True

    # ---- edits the canvas offers
    def move_cursor(self, x: float, y: float, record: bool = True) -> CanvasState:
        return self.update(record, cursor=(_clamp(x), _clamp(y)), w=None, w_shape=None)

    def add_pin(self, seed: int, x: float, y: float) -> CanvasState:
        return self.update(pins=self.state.pins + (Pin(int(seed), _clamp(x), _clamp(y)),), w=None, w_shape=None)

    def move_pin(self, index: int, x: float, y: float, record: bool = True) -> CanvasState:
        pins = list(self.state.pins)
        pins[index] = dataclasses.replace(pins[index], x=_clamp(x), y=_clamp(y))
        return self.update(record, pins=tuple(pins), w=None, w_shape=None)

    def remove_pin(self, index: int) -> CanvasState:
        pins = list(self.state.pins)
        del pins[index]
        return self.update(pins=tuple(pins), w=None, w_shape=None)

    def reseed_pin(self, index: int, seed: int) -> CanvasState:
        pins = list(self.state.pins)
        pins[index] = dataclasses.replace(pins[index], seed=int(seed))
        return self.update(pins=tuple(pins), w=None, w_shape=None)

    def set_latent(self, recipe: Recipe) -> CanvasState:
        """Show a latent from elsewhere (a mixer cell, a favourite): its final w, its noise; the directions start
        again from it (at 0)."""
        if recipe.w is None:
            raise StudioError("Only a recipe with its w embedded can be placed on the canvas.")
        return self.update(w=recipe.w, w_shape=tuple(recipe.w_shape or ()), noise_mode=recipe.noise_mode,
                           noise_seed=recipe.noise_seed, directions=())

    def set_picture(self, recipe: Recipe) -> CanvasState:
        """Show a studio picture's recipe: its latent as `set_latent` does, and its truncation, so that ψ reads
        what made the picture (not the canvas's before)."""
        if recipe.w is None:
            raise StudioError("Only a recipe with its w embedded can be placed on the canvas.")
        return self.update(w=recipe.w, w_shape=tuple(recipe.w_shape or ()), noise_mode=recipe.noise_mode,
                           noise_seed=recipe.noise_seed, truncation=recipe.truncation, directions=())

    def nearest_pin(self, x: float, y: float, radius: float) -> int | None:
        best, best_d = None, radius
        for i, p in enumerate(self.state.pins):
            d = ((p.x - x) ** 2 + (p.y - y) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = i, d
        return best


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, float(v)))


@dataclass
class Favourite:
    name: str
    recipe: Recipe  # with its final w embedded, so it survives PCA changes and reuses in the mixer


@dataclass
class Favourites:
    """The favourites of a run, saved as RUN/favourites.json (written atomically)."""

    path: Path
    items: list[Favourite] = field(default_factory=list)

    @classmethod
    def load(cls, run_dir: str | Path) -> Favourites:
        path = Path(run_dir) / "favourites.json"
        fav = cls(path)
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                fav.items = [Favourite(str(d["name"])[:200], Recipe.from_json(d["recipe"])) for d in data[:1000]]
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise StudioError(f"The favourites in {path} cannot be read ({e}).") from None
        return fav

    def add(self, name: str, recipe: Recipe) -> Favourite:
        if recipe.w is None:
            raise StudioError("A favourite keeps its latent: embed the w first (Renderer.describe does).")
        f = Favourite(name, recipe)
        self.items.append(f)
        try:
            self.save()
        except StudioError:
            self.items.pop()  # what is listed stays what is on disk
            raise
        return f

    def remove(self, index: int) -> None:
        f = self.items.pop(index)
        try:
            self.save()
        except StudioError:
            self.items.insert(index, f)
            raise

    def save(self) -> None:
        from studio.core.formats.checkpoint import write_atomic

        data = [{"name": f.name, "recipe": f.recipe.to_json()} for f in self.items]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))
        except OSError as e:
            raise StudioError(f"Cannot save favourites to {self.path}: {e.strerror or e}. The favourites "
                              "saved before are intact.") from None
