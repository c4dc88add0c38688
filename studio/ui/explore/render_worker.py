"""The Explore tab's render worker: one thread, requests coalesced per kind (latest wins), a frozen snapshot.

Widgets send typed jobs; the thread opens the checkpoint itself (a private frozen copy of G_ema, never
the live training model), calls core functions and emits QImages (deep copies, safe across threads).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.errors import StudioError
from studio.core.explore.render import Recipe
from studio.ui.base.qimage import to_qimage
from studio.ui.base.threads import StudioThread


@dataclass(frozen=True)
class OpenJob:
    path: str
    device: str = "cpu"


@dataclass(frozen=True)
class ImageJob:
    recipe: Recipe
    walk: tuple[int, float] | None = None  # (seed, phase): a point of the looping random walk instead
    keyframes: tuple[tuple[Recipe, ...], float] | None = None  # (favourites, phase): the keyframe loop


@dataclass(frozen=True)
class MixJob:
    rows: tuple  # seeds (int) or recipes (favourites)
    cols: tuple
    layers: str
    truncation: float = 1.0


@dataclass(frozen=True)
class ThumbsJob:
    recipes: tuple[Recipe, ...]


@dataclass(frozen=True)
class PinThumbsJob:
    seeds: tuple[int, ...]
    truncation: float = 1.0


@dataclass(frozen=True)
class DirectionsJob:
    samples: int = 4096


@dataclass(frozen=True)
class Opened:
    """What the tab shows about the open checkpoint."""

    checkpoint: str
    model: str
    resolution: int  # the networks' scale (a square's side); the picture is width × height
    num_ws: int
    step: int
    groups: dict[str, tuple[int, int]]  # coarse/middle/fine [start, stop) (empty for DCGAN)
    noise_layers: int
    width: int = 0  # the picture's size in pixels
    height: int = 0
    background: str = "#ffffff"  # the colour training laid transparency on (a transparent export takes it out)
    trained_transparent: bool = False  # the training folder had see-through pictures: export transparent
    enlarge: int = 1  # the run's pictures are the generator's ×enlarge (a CPU's 128 px run): the exports' first size


@dataclass(frozen=True)
class MixResult:
    cells: tuple  # row-major Recipe | None, (rows + 1) x (cols + 1)
    cols: int  # cells per grid row
    cell_w: int  # pixel size of a cell (the picture's)
    cell_h: int
    gap: int
    row_items: tuple = ()  # the job's row seeds (int) or favourites (Recipe), top to bottom
    col_items: tuple = ()  # its column seeds or favourites, left to right


@dataclass(frozen=True)
class NearestMatch:
    image: QImage
    distance: float  # 0 is the same picture
    index: int  # in the training set's sorted file order
    name: str  # its file, relative to the training folder ("" when not known)


@dataclass(frozen=True)
class NearestResult:
    kind: str  # the feature space used
    matches: tuple[NearestMatch, ...]  # nearest first


_ORDER = (OpenJob, ImageJob, PinThumbsJob, ThumbsJob, DirectionsJob, MixJob)


class RenderWorker(StudioThread):
    """Serves render jobs off the GUI thread; a newer job of a kind replaces an older unserved one."""

    opened = Signal(object)  # Opened
    image_ready = Signal(int, QImage, object)  # token, image, Recipe with its final w
    mix_ready = Signal(int, QImage, object)  # token, grid, MixResult
    directions_ready = Signal(int, object)  # token, number of directions
    thumbs_ready = Signal(int, list, object)  # token, QImages, the recipes they show
    pin_thumbs_ready = Signal(int, object, float)  # token, {seed: QImage}, truncation
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, cache_dir: str | None = None,
                 threads: int | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.threads = threads  # intra-op threads for this thread only (OpenMP's setting is per thread)
        self._cv = threading.Condition()
        self._pending: dict[type, tuple[int, object]] = {}
        self._token = 0
        self._stop = False
        self.renderer = None  # touched only by the worker thread
        self.render_seconds = 0.0  # the last image job's render time (for the status line and the bench)

    # ---- GUI thread side
    def submit(self, job: object) -> int:
        """Queue a job (dropping an unserved one of the same kind); returns its token."""
        with self._cv:
            self._token += 1
            self._pending[type(job)] = (self._token, job)
            self._cv.notify()
            return self._token

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._pending.clear()
            self._cv.notify()
        self.requestInterruption()
        self.wait()

    # ---- worker thread side
    def run(self) -> None:
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        while True:
            with self._cv:
                while not self._pending and not self._stop:
                    self._cv.wait()
                if self._stop or self.isInterruptionRequested():
                    return
                kind = next(k for k in _ORDER if k in self._pending)
                token, job = self._pending.pop(kind)
            try:
                self._serve(token, job)
            except StudioError as e:
                self.failed.emit(str(e))
            except Exception as e:  # a bug: loud on stderr, a message in the tab, the thread lives on
                traceback.print_exc(file=sys.stderr)
                self.failed.emit(f"Rendering failed: {type(e).__name__}: {e}")

    def _need(self):
        if self.renderer is None:
            raise StudioError("Open a run or checkpoint first.")
        return self.renderer

    def _serve(self, token: int, job: object) -> None:
        if isinstance(job, OpenJob):
            from studio.core.explore.render import Renderer

            r = Renderer.open(job.path, job.device, cache_dir=self.cache_dir)
            self.renderer = r
            groups = {k: (v.start, v.stop) for k, v in r.G.layer_groups().items()} if r.is_style else {}
            from studio.core.formats.run import RunDir

            h, w = r.size
            run = RunDir.of_checkpoint(r.checkpoint)
            background = "#{:02x}{:02x}{:02x}".format(*r.background)
            self.opened.emit(Opened(str(r.checkpoint), r.state.model, r.resolution, r.num_ws, r.state.step, groups,
                                    len(r.noise_layers), w, h, background,
                                    run is not None and run.trained_on_transparent(), r.enlarge))
        elif isinstance(job, ImageJob):
            r = self._need()
            t0 = time.perf_counter()
            if job.keyframes is not None:
                from studio.core.explore.animate import keyframe_recipe

                recipe = keyframe_recipe(r, list(job.keyframes[0]), job.keyframes[1])
                ws = r.ws(recipe)
            elif job.walk is not None:
                from studio.core.explore.animate import walk_recipe

                recipe = walk_recipe(r, job.walk[0], job.walk[1], job.recipe)
                ws = r.ws(recipe)
            else:
                ws = r.ws(job.recipe)
                recipe = job.recipe.with_w(ws)
            image = to_qimage(r.synthesize(ws, recipe))
            self.render_seconds = time.perf_counter() - t0
            self.image_ready.emit(token, image, recipe)
        elif isinstance(job, MixJob):
            from studio.core.explore.mixing import layer_range, mix_grid

            r = self._need()
            grid = mix_grid(r, list(job.rows), list(job.cols), layer_range(job.layers, r),
                            Recipe(truncation=job.truncation))
            cells = tuple(None if c is None else c.with_w(r.ws(c)) for c in grid.cells)
            h, w = r.size
            self.mix_ready.emit(token, to_qimage(grid.image), MixResult(cells, grid.cols, w, h, 2,
                                                                                tuple(job.rows), tuple(job.cols)))
        elif isinstance(job, PinThumbsJob):
            r = self._need()
            thumbs = {s: to_qimage(r.render(Recipe(seeds=[s], truncation=job.truncation))) for s in job.seeds}
            self.pin_thumbs_ready.emit(token, thumbs, job.truncation)
        elif isinstance(job, ThumbsJob):
            r = self._need()
            self.thumbs_ready.emit(token, [to_qimage(r.render(x)) for x in job.recipes], job.recipes)
        elif isinstance(job, DirectionsJob):
            r = self._need()
            self.directions_ready.emit(token, len(r.directions(job.samples)))
