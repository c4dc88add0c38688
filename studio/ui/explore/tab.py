"""The Explore tab: open a run or checkpoint, explore its latent space live, mix styles, export artworks.

Widgets edit a headless CanvasModel (studio.core.explore.canvas) and send typed jobs to one RenderWorker;
nothing here touches tensors. Call `shutdown()` (or close the tab) to stop the worker thread.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from superqt.utils import qdebounced

from studio.core.errors import StudioError
from studio.core.explore.canvas import CanvasModel, Favourites
from studio.core.explore.render import Recipe
from studio.ui.explore.atlas_view import AtlasPanel
from studio.ui.explore.atlas_worker import AtlasWorker
from studio.ui.explore.directions_panel import DirectionsPanel
from studio.ui.explore.export_dialog import ExportDialog, default_export_folder
from studio.ui.explore.history_strip import ThumbnailStrip
from studio.ui.widgets.image_view import ImageView
from studio.ui.explore.inpaint_view import InpaintPanel
from studio.ui.explore.inpaint_worker import InpaintWorker
from studio.ui.explore.latent_canvas import LatentCanvas
from studio.ui.explore.latent_controls import LatentControls
from studio.ui.explore.nearest_panel import NearestPanel
from studio.ui.explore.noise_panel import NoisePanel
from studio.ui.explore.none_guard import make_none_immortal
from studio.ui.explore.nearest_worker import NearestWorker
from studio.ui.explore.projection_worker import ProjectionWorker
from studio.ui.explore.render_worker import (
    DirectionsJob,
    ImageJob,
    MixJob,
    OpenJob,
    PinThumbsJob,
    RenderWorker,
    ThumbsJob,
)
from studio.ui.explore.style_mixer import StyleMixer

WALK_INTERVAL_MS = 33


class ExploreTab(QWidget):
    """The artist's instrument: a latent canvas, directions, a style mixer and export."""

    image_shown = Signal(int)  # token of the image now on screen
    checkpoint_opened = Signal(str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, cache_dir: str | None = None,
                 render_threads: int | None = None) -> None:
        super().__init__(parent)
        make_none_immortal()  # PySide6 6.12 + Python 3.11: see none_guard.py
        self.model = CanvasModel()
        self.worker = RenderWorker(self, cache_dir=cache_dir, threads=render_threads)
        self.worker.opened.connect(self._opened)
        self.worker.image_ready.connect(self._image_ready)
        self.worker.mix_ready.connect(self._mix_ready)
        self.worker.directions_ready.connect(lambda _t, n: self._say(f"{n} principal directions ready."))
        self.worker.failed.connect(self._say)
        self.worker.thumbs_ready.connect(self._thumbs_ready)
        self.worker.pin_thumbs_ready.connect(self._pin_thumbs_ready)
        self.checkpoint: str | None = None
        self.info = None
        self.current_recipe: Recipe | None = None
        self.favourites: Favourites | None = None
        self._latest = 0  # newest image token requested
        self._shown = 0  # newest image token shown
        self._dragging = False
        self._editing = False  # a slider session has begun its undo step
        self._walk_phase = 0.0
        self._walk_speed = 6.0
        self._loop_favourites = False
        self._synced_once = False
        self._history_shown = (False, False)
        self._export: ExportDialog | None = None
        self.projection: ProjectionWorker | None = None
        self.nearest_worker: NearestWorker | None = None
        self.atlas_worker: AtlasWorker | None = None
        self.inpaint_worker: InpaintWorker | None = None
        self.cache_dir = cache_dir
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        self.source = QLabel("No checkpoint open.")
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = QPushButton("Open run or checkpoint…")
        open_button.setToolTip("Explore a run folder (its latest checkpoint) or a .safetensors checkpoint")
        open_button.clicked.connect(self._browse)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this image, a grid or a looping animation (PNG, GIF, WebP, MP4)")
        self.export_button.clicked.connect(self.show_export)
        self.export_button.setEnabled(False)
        header = QHBoxLayout()
        header.addWidget(self.source, 1)
        header.addWidget(open_button)
        header.addWidget(self.export_button)

        self.canvas = LatentCanvas()
        self.controls = LatentControls()
        self.view = ImageView(placeholder="Open a run folder or checkpoint to explore what it learned.", min_side=256)
        self.view.shown.connect(lambda: self.image_shown.emit(self._shown))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.history = ThumbnailStrip()
        self.history.setToolTip("History: the images you visited; click one to go back to it")
        self.favourite_strip = ThumbnailStrip(limit=1000)
        self.favourite_strip.setToolTip("Favourites, saved with the run; click one to put it on the canvas")
        self.nearest = NearestPanel()
        self.directions = DirectionsPanel()
        self.mixer = StyleMixer()
        side = QTabWidget()
        side.addTab(self.directions, "Directions")
        side.addTab(self.mixer, "Style mixer")
        self.noise = NoisePanel()
        side.addTab(self.noise, "Noise")
        from studio.core.explore.atlas import available_layouts

        self.atlas = AtlasPanel(available_layouts())
        side.addTab(self.atlas, "Atlas")
        self.inpaint = InpaintPanel()
        side.addTab(self.inpaint, "Inpaint")
        self.side_tabs = side

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.canvas, 1)
        ll.addWidget(self.controls)
        centre = QWidget()
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.view, 1)
        cl.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(centre)
        split.addWidget(side)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(header)
        lay.addWidget(split, 1)
        # History, favourites and the nearest training images share one strip under the canvas (one at a
        # time), so that the canvas keeps its room on a small screen.
        favourites = QWidget()
        fl = QVBoxLayout(favourites)
        fl.setContentsMargins(0, 0, 0, 0)
        fav_row = QHBoxLayout()
        fav_row.addWidget(QLabel("The keyframe timeline, in order"))
        self.play_favourites = QPushButton("▶ Play loop", checkable=True,
                                           toolTip="Play the favourites as a looping animation (export it with Export…)")
        self.play_favourites.toggled.connect(self._play_favourites)
        fav_row.addWidget(self.play_favourites)
        fav_row.addStretch(1)
        fl.addLayout(fav_row)
        fl.addWidget(self.favourite_strip)
        self.strips = QTabWidget()
        self.strips.addTab(self.history, "History")
        self.strips.addTab(favourites, "Favourites")
        self.strips.addTab(self.nearest, "Nearest training images")
        lay.addWidget(self.strips)
        self.setAcceptDrops(True)

        self.canvas.drag_started.connect(self._drag_started)
        self.canvas.cursor_moved.connect(lambda x, y: self._edit(self.model.move_cursor(x, y, record=False)))
        self.canvas.pin_moved.connect(lambda i, x, y: self._edit(self.model.move_pin(i, x, y, record=False)))
        self.canvas.drag_finished.connect(self._drag_finished)
        self.canvas.pin_added.connect(self._pin_added)
        self.canvas.pin_removed.connect(lambda i: self._edit(self.model.remove_pin(i)))
        self.canvas.pin_reseeded.connect(lambda i, s: self._edit(self.model.reseed_pin(i, s)))
        self.controls.add_pin.connect(lambda s: self._edit(self.model.add_pin(s, random.random(), random.random())))
        self.controls.truncation_changed.connect(lambda psi: self._slider_edit(truncation=psi))
        self.controls.truncation_committed.connect(self._slider_done)
        self.controls.play_toggled.connect(self._play)
        self.controls.speed_changed.connect(lambda v: setattr(self, "_walk_speed", v))
        self.controls.undo.connect(self.undo)
        self.controls.redo.connect(self.redo)
        self.controls.favourite.connect(self.add_favourite)
        self.controls.nearest.connect(self.check_nearest)
        self.controls.project.connect(self._choose_picture)
        self.directions.changed.connect(lambda m, l: self._slider_edit(directions=m, direction_layers=l))
        self.directions.committed.connect(self._directions_committed)
        self.noise.changed.connect(lambda mode, seed, layers: self._edit(self.model.update(
            noise_mode=mode, noise_seed=seed, noise_layers=layers)))
        self.mixer.requested.connect(lambda r, c, l: self.worker.submit(MixJob(r, c, l, self.model.state.truncation)))
        self.mixer.cell_chosen.connect(self.use_recipe)
        self.mixer.message.connect(self._say)
        self.history.chosen.connect(self.use_recipe)
        self.atlas.build_requested.connect(self.build_atlas)
        self.atlas.cancel_requested.connect(self.cancel_atlas)
        self.atlas.pin_requested.connect(self.pin_seed)
        self.atlas.mixer_requested.connect(self._seed_to_mixer)
        self.inpaint.fill_requested.connect(self.start_inpainting)
        self.inpaint.cancel_requested.connect(self.cancel_inpainting)
        self.inpaint.save_requested.connect(self._choose_inpaint_file)
        self.inpaint.use_requested.connect(self._use_inpainting)
        self.favourite_strip.chosen.connect(self.use_recipe)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        QShortcut(QKeySequence.StandardKey.Redo, self, self.redo)
        self._slider_rest = qdebounced(self._slider_rested, 700, parent=self)
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(200)
        self._thumb_timer.timeout.connect(self._request_pin_thumbs)
        self.walk_timer = QTimer(self)
        self.walk_timer.setInterval(WALK_INTERVAL_MS)
        self.walk_timer.timeout.connect(self._walk_tick)
        self._sync()

    # ---- opening
    def open_checkpoint(self, path: str) -> None:
        """Open a run folder (its latest checkpoint) or a .safetensors checkpoint; renders off the GUI thread."""
        self.source.setText(f"Opening {path}…")
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.submit(OpenJob(str(path)))
        self.render()

    def _browse(self) -> None:
        """A checkpoint, a studio picture (its recipe) or a run's config.json (the run's latest checkpoint)."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a checkpoint, a run or a studio picture", "",
            "Checkpoints, studio pictures, runs (*.safetensors *.png config.json);;All files (*)")
        if not path:
            return
        p = Path(path)
        if p.suffix.lower() == ".png":
            self.open_picture(path)
        else:
            self.open_checkpoint(str(p.parent if p.name == "config.json" else p))

    def open_picture(self, path: str) -> bool:
        """A PNG exported by the studio: its checkpoint (unless one is open) and its recipe on the canvas."""
        from studio.core.export import read_embedded

        try:
            emb = read_embedded(path)
        except StudioError as e:
            self._say(str(e))
            return False
        if emb.recipe is None:
            self._say("That PNG is a grid; open a single image to reopen its recipe.")
            return False
        if emb.checkpoint and emb.checkpoint != self.checkpoint and (
                self.checkpoint is None or Path(emb.checkpoint).exists()):
            self.open_checkpoint(emb.checkpoint)  # the picture's own model, where it still is
        self.use_recipe(emb.recipe)
        return True

    def _opened(self, info) -> None:
        self.info = info
        self.checkpoint = info.checkpoint
        run = Path(info.checkpoint).parent.parent if Path(info.checkpoint).parent.name == "checkpoints" else None
        self.source.setText(f"{info.checkpoint}  ·  {info.model} · {info.resolution} px · step {info.step}")
        self.export_button.setEnabled(True)
        self.directions.set_model(info.num_ws, info.groups)
        self.mixer.set_model(info.groups, info.num_ws)
        self.noise.set_model(info.noise_layers)
        if self.model.state.noise_layers is not None and len(self.model.state.noise_layers) != info.noise_layers:
            self.model.update(record=False, noise_layers=None)  # switches of another model do not apply
            self._sync()
        self.favourite_strip.clear()
        self.favourites = None
        if run is not None:
            try:
                self.favourites = Favourites.load(run)
            except StudioError as e:
                self._say(str(e))
        self.canvas.thumbs.clear()
        self._request_pin_thumbs()
        self.worker.submit(DirectionsJob())
        if info.groups:
            self.mixer.request()
        self.mixer.favourites = [f.recipe for f in self.favourites.items] if self.favourites is not None else []
        if self.favourites is not None and self.favourites.items:
            self.worker.submit(ThumbsJob(tuple(f.recipe for f in self.favourites.items)))
        self.checkpoint_opened.emit(info.checkpoint)

    # ---- rendering
    def render(self) -> int:
        try:
            recipe = self.model.state.recipe()
        except StudioError as e:
            self._say(str(e))
            return self._latest
        self._latest = self.worker.submit(ImageJob(recipe))
        return self._latest

    def _image_ready(self, token: int, image: QImage, recipe: Recipe) -> None:
        if token < self._shown:
            return  # an older answer arriving late: never step back in time
        self._shown = token
        self.current_recipe = recipe
        self.view.set_image(image)
        self.status.setText(f"{image.width()} px · rendered in {self.worker.render_seconds * 1000:.0f} ms")
        if not self._dragging and not self._editing and not self.walk_timer.isActive():
            self.history.add(image, recipe)  # a slider session adds its end only (_slider_done)
        self._last_image = image

    def _thumbs_ready(self, token: int, images: list, recipes: tuple) -> None:
        if self.favourites is None:
            return
        names = {id(f.recipe): f.name for f in self.favourites.items}
        for image, recipe in zip(images, recipes, strict=True):
            self.favourite_strip.add(image, recipe, names.get(id(recipe), ""))

    def _pin_thumbs_ready(self, token: int, thumbs: dict, truncation: float) -> None:
        if truncation == self.model.state.truncation:
            self.canvas.set_thumbs(thumbs)

    def _request_pin_thumbs(self) -> None:
        if self.checkpoint is None:
            return
        missing = self.canvas.missing_thumbs()
        if missing:
            self.worker.submit(PinThumbsJob(missing, self.model.state.truncation))

    def _mix_ready(self, token: int, image: QImage, result) -> None:
        self.mixer.show_grid(image, result)

    # ---- editing
    def _edit(self, _state=None) -> None:
        self._sync()
        self.render()

    def _sync(self) -> None:
        """Show the model's state; panels are touched only when their fields changed (drags stay cheap)."""
        s, before = self.model.state, self.canvas.state
        if s.truncation != before.truncation:
            self.canvas.thumbs.clear()  # the pins' pictures depend on truncation
        self.canvas.set_state(s)
        if s.pins != before.pins or not self.canvas.thumbs:
            self._request_pin_thumbs()
        first = not self._synced_once
        if first or s.truncation != before.truncation:
            self.controls.set_psi(s.truncation)
        if first or (s.directions, s.direction_layers) != (before.directions, before.direction_layers):
            self.directions.set_values(s.directions, s.direction_layers)
        if first or (s.noise_mode, s.noise_seed, s.noise_layers) != (before.noise_mode, before.noise_seed,
                                                                      before.noise_layers):
            self.noise.set_values(s.noise_mode, s.noise_seed, s.noise_layers)
        self._show_history(force=first)
        self._synced_once = True

    def _show_history(self, force: bool = False) -> None:
        history = (self.model.can_undo(), self.model.can_redo())
        if force or history != self._history_shown:
            self.controls.set_history(*history)
            self._history_shown = history

    def _drag_started(self) -> None:
        self._dragging = True
        self.model.begin()

    def _drag_finished(self) -> None:
        self._dragging = False
        self._show_history()
        if self.current_recipe is not None and hasattr(self, "_last_image"):
            self.history.add(self._last_image, self.current_recipe)

    def _pin_added(self, x: float, y: float) -> None:
        seed = self.controls.seed.value()
        self.controls.seed.setValue(seed + 1)
        self._edit(self.model.add_pin(seed, x, y))

    def _directions_committed(self, moves, layers) -> None:
        # A release ends the drag's undo step; a reset or a layer choice is a step of its own.
        self._slider_done()
        self._slider_edit(directions=moves, direction_layers=layers)
        self._slider_done()

    def _slider_edit(self, **changes) -> None:
        if dataclasses.replace(self.model.state, **changes) == self.model.state:
            return
        if not self._editing:
            self.model.begin()
            self._editing = True
        self.model.update(record=False, **changes)
        if "truncation" in changes:
            self.canvas.thumbs.clear()
            self._thumb_timer.start()  # new pin pictures once the slider rests (keys or mouse)
        self.canvas.set_state(self.model.state)
        self._show_history()
        self.render()
        self._slider_rest()  # keys have no release: a pause ends their session

    def _slider_rested(self) -> None:
        if self._editing and QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            self._slider_done()

    def _slider_done(self) -> None:
        if not self._editing:
            return
        self._editing = False
        self._request_pin_thumbs()
        if self._shown >= self._latest and self.current_recipe is not None and hasattr(self, "_last_image"):
            self.history.add(self._last_image, self.current_recipe)  # else the pending image adds itself

    def undo(self) -> None:
        if self.model.undo():
            self._editing = False
            self._edit()

    def redo(self) -> None:
        if self.model.redo():
            self._editing = False
            self._edit()

    def use_recipe(self, recipe: Recipe) -> None:
        """Put a latent from the history, the favourites, the mixer or a dropped PNG on the canvas."""
        try:
            self._edit(self.model.set_latent(recipe))
        except StudioError as e:
            self._say(str(e))

    # ---- walk, favourites, nearest, export
    def _play(self, on: bool) -> None:
        self._loop_favourites = False
        if on:
            self.play_favourites.setChecked(False)
            self.walk_timer.start()
        elif not self.play_favourites.isChecked():
            self.walk_timer.stop()
            self.render()

    def _play_favourites(self, on: bool) -> None:
        if on and (self.favourites is None or not self.favourites.items):
            self._say("Add favourites first (♥): the loop plays through them in order.")
            self.play_favourites.setChecked(False)
            return
        if on:
            self.controls.play.setChecked(False)
            self._loop_favourites = True
            self._walk_phase = 0.0
            self.walk_timer.start()
        else:
            self._loop_favourites = False
            if not self.controls.play.isChecked():
                self.walk_timer.stop()
                self.render()

    def _walk_tick(self) -> None:
        self._walk_phase = (self._walk_phase + WALK_INTERVAL_MS / 1000 * self._walk_speed / 60) % 1.0
        if self._loop_favourites and self.favourites is not None and self.favourites.items:
            keys = tuple(f.recipe for f in self.favourites.items)
            self._latest = self.worker.submit(ImageJob(Recipe(), keyframes=(keys, self._walk_phase)))
            return
        try:
            recipe = self.model.state.recipe()
        except StudioError:
            recipe = Recipe()
        self._latest = self.worker.submit(ImageJob(recipe, walk=(self.controls.seed.value(), self._walk_phase)))

    def add_favourite(self) -> None:
        if self.current_recipe is None:
            self._say("Nothing to keep yet.")
            return
        if self.favourites is None:
            self._say("Favourites are saved in a run folder; this checkpoint is not inside one.")
            return
        try:
            fav = self.favourites.add(f"favourite {len(self.favourites.items) + 1}", self.current_recipe)
        except StudioError as e:
            self._say(str(e))
            return
        self.favourite_strip.add(self._last_image, fav.recipe, fav.name)
        self.mixer.favourites = [f.recipe for f in self.favourites.items]
        self._say(f"Kept as {fav.name}.")

    def check_nearest(self) -> None:
        if self.current_recipe is None:
            return
        if self.nearest_worker is not None or self.checkpoint is None:
            return
        self.nearest.searching()
        self.strips.setCurrentWidget(self.nearest)
        nearest_cache = str(Path(self.cache_dir) / "nearest") if self.cache_dir is not None else None
        self.nearest_worker = NearestWorker(self.checkpoint, self.current_recipe, nearest_cache, parent=self)
        self.nearest_worker.done.connect(self.nearest.show_result)
        self.nearest_worker.failed.connect(self._say)
        self.nearest_worker.finished.connect(lambda: setattr(self, "nearest_worker", None))
        self.nearest_worker.start()

    def _choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Project a picture", "",
                                              "Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)")
        if path:
            self.project_picture(path)

    def project_picture(self, path: str, steps: int = 300) -> None:
        """Find the latent of a picture (in a worker) and put it on the canvas when done."""
        if self.checkpoint is None:
            self._say("Open a checkpoint first.")
            return
        if self.projection is not None:
            self._say("A projection is already running.")
            return
        self.projection = ProjectionWorker(self.checkpoint, path, steps, self)
        self.projection.progress.connect(lambda i, n, loss: self.status.setText(
            f"Projecting {Path(path).name}: step {i}/{n}, loss {loss:.4f}"))
        self.projection.done.connect(lambda r: (self.use_recipe(r), self._say(f"Projected {Path(path).name}.")))
        self.projection.failed.connect(self._say)
        self.projection.finished.connect(self._projection_finished)
        self.controls.project_button.setEnabled(False)
        self.projection.start()

    def _projection_finished(self) -> None:
        self.projection = None
        self.controls.project_button.setEnabled(True)

    # ---- atlas
    def build_atlas(self, seeds: list[int], layout: str = "pca") -> None:
        """Render `seeds` and lay them out by similarity, in a worker; the canvas stays live meanwhile."""
        if self.checkpoint is None:
            self._say("Open a checkpoint first.")
            return
        if self.atlas_worker is not None:
            self._say("An atlas is already being built.")
            return
        self.atlas_worker = AtlasWorker(self.checkpoint, list(seeds), self.model.state.truncation, layout, self)
        self.atlas_worker.progress.connect(self.atlas.show_progress)
        self.atlas_worker.done.connect(self.atlas.show_atlas)
        self.atlas_worker.failed.connect(self._say)
        self.atlas_worker.finished.connect(self._atlas_finished)
        self.atlas.set_busy(True)
        self.atlas_worker.start()

    def cancel_atlas(self) -> None:
        if self.atlas_worker is not None:
            self.atlas_worker.requestInterruption()

    def _atlas_finished(self) -> None:
        self.atlas_worker = None
        self.atlas.set_busy(False)

    def pin_seed(self, seed: int) -> None:
        """A pin for `seed` on the canvas, with the cursor on it (so its image shows); one undo step."""
        x, y = random.uniform(0.1, 0.9), random.uniform(0.1, 0.9)
        self.model.add_pin(seed, x, y)
        self.model.move_cursor(x, y, record=False)
        self._edit()
        self._say(f"Seed {seed} pinned on the canvas.")

    def _seed_to_mixer(self, seed: int, role: str) -> None:
        field = self.mixer.rows if role == "rows" else self.mixer.cols
        text = field.text().strip().rstrip(",")
        field.setText(f"{text},{seed}" if text else str(seed))
        self.mixer.request()
        self._say(f"Seed {seed} added to the style mixer's {'rows' if role == 'rows' else 'columns'}.")

    # ---- inpainting
    def start_inpainting(self, picture: str, mask, settings) -> None:
        if self.checkpoint is None:
            self._say("Open a checkpoint first.")
            return
        if self.inpaint_worker is not None:
            self._say("Inpainting is already running.")
            return
        self.inpaint_worker = InpaintWorker(self.checkpoint, picture, mask, settings, self)
        self.inpaint_worker.progress.connect(self.inpaint.show_progress)
        self.inpaint_worker.done.connect(self.inpaint.show_outcome)
        self.inpaint_worker.failed.connect(lambda text: (self.inpaint.status.setText(text), self._say(text)))
        self.inpaint_worker.finished.connect(self._inpainting_finished)
        self.inpaint.set_busy(True)
        self.inpaint_worker.start()

    def cancel_inpainting(self) -> None:
        if self.inpaint_worker is not None:
            self.inpaint_worker.requestInterruption()

    def _inpainting_finished(self) -> None:
        self.inpaint_worker = None
        self.inpaint.set_busy(False)

    def _use_inpainting(self) -> None:
        if self.inpaint.outcome is not None:
            self.use_recipe(self.inpaint.outcome.recipe)  # the fill's whole image, as the generator makes it

    def _choose_inpaint_file(self) -> None:
        if self.inpaint.outcome is None or self.checkpoint is None:
            return
        stem = Path(self.inpaint.picture_path or "picture").stem
        start = str(Path(default_export_folder(self.checkpoint)) / f"{stem}-repaired.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save the repaired picture", start, "PNG (*.png)")
        if path:
            self.save_inpainting(str(Path(path).parent), Path(path).name)

    def save_inpainting(self, folder: str, name: str = "repaired.png") -> Path | None:
        """Save the repaired picture with its recipe and inpainting record; an existing file gets a number."""
        from studio.core.export import Exporter

        outcome = self.inpaint.outcome
        if outcome is None:
            self._say("Nothing repaired yet.")
            return None
        if not name.lower().endswith(".png"):
            name += ".png"
        try:
            path = Exporter(folder).save_png(outcome.composite, name, outcome.meta)
        except StudioError as e:
            self._say(str(e))
            return None
        self._say(f"Saved {path}")
        return path

    def show_export(self) -> None:
        if self.checkpoint is None:
            return
        favs = [f.recipe for f in self.favourites.items] if self.favourites is not None else []
        self._export = ExportDialog(self.checkpoint, self.current_recipe, favs,
                                    default_export_folder(self.checkpoint), self.controls.seed.value(), self)
        self._export.exported.connect(lambda p: self._say(f"Saved {p}"))
        self._export.show()

    # ---- drag and drop of an exported PNG: reopen its recipe
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith(".png"):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.open_picture(event.mimeData().urls()[0].toLocalFile())

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    # ---- lifetime
    def shutdown(self) -> None:
        """Stop the walk, any export and the render thread (the main window calls this when it closes)."""
        self.walk_timer.stop()
        if self.projection is not None:
            self.projection.requestInterruption()
            self.projection.wait()
        if self.nearest_worker is not None:
            self.nearest_worker.wait()  # indexing is not interruptible; it is bounded by the training set
        for worker in (self.atlas_worker, self.inpaint_worker):
            if worker is not None:
                worker.requestInterruption()  # both check it between images / steps
                worker.wait()
        if self._export is not None:
            self._export.cancel_export()
        if self.worker.isRunning():
            self.worker.stop()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        super().closeEvent(event)
