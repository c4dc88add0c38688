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
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from superqt.utils import qdebounced

from studio.core.errors import StudioError
from studio.core.explore.canvas import CanvasModel, CanvasState, Favourites
from studio.core.explore.render import Recipe
from studio.ui.base.folders import default_export_folder
from studio.ui.explore.canvas_memory import load_canvas, save_canvas
from studio.ui.explore.export_dialog import ExportDialog
from studio.ui.explore.upscaler_dialog import UpscalerDialog
from studio.ui.explore.none_guard import make_none_immortal
from studio.ui.explore.render_worker import DirectionsJob, ImageJob, OpenJob, PinThumbsJob, RenderWorker
from studio.ui.explore.tab_layout import build_explore_layout
from studio.ui.explore.tool import Tool
from studio.ui.explore.tool_runs import ToolRuns
from studio.ui.explore.tools import EXPLORE_TOOLS
from studio.ui.explore.walk import WALK_INTERVAL_MS, WalkAndFavourites


class ExploreTab(WalkAndFavourites, QWidget):
    """The artist's instrument: a latent canvas, its tools (`*_tool.py`, one file each) and export; the `ToolHost`
    of studio/ui/explore/tool.py."""

    image_shown = Signal(int)  # token of the image now on screen
    checkpoint_opened = Signal(str)
    export_folder_changed = Signal(str)  # the folder of a file just exported: the next export starts there
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, cache_dir: str | None = None,
                 render_threads: int | None = None) -> None:
        super().__init__(parent)
        make_none_immortal()  # PySide6 6.12 + Python 3.11: see none_guard.py
        self.model = CanvasModel()
        self.worker = RenderWorker(self, cache_dir=cache_dir, threads=render_threads)
        self.worker.opened.connect(self._opened)
        self.worker.image_ready.connect(self._image_ready)
        self.worker.directions_ready.connect(lambda _t, n: self.say(f"{n} principal directions ready."))
        self.worker.failed.connect(self.say)
        self.worker.thumbs_ready.connect(self._thumbs_ready)
        self.worker.pin_thumbs_ready.connect(self._pin_thumbs_ready)
        self.checkpoint: str | None = None
        self.info = None
        self.current_recipe: Recipe | None = None
        self._picture: tuple[Path, Recipe] | None = None  # a studio PNG waiting for its checkpoint to open
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
        self._upscaler: UpscalerDialog | None = None
        self.cache_dir = cache_dir
        self.export_folder = default_export_folder()  # the window gives the remembered one
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        self.tools: dict[str, Tool] = {cls.name: cls() for cls in EXPLORE_TOOLS}
        self.runs = ToolRuns(self)
        build_explore_layout(self)
        self.setAcceptDrops(True)
        for tool in self.tools.values():
            tool.attach(self)

        self.canvas.drag_started.connect(self._drag_started)
        self.canvas.cursor_moved.connect(lambda x, y: self._edit(self.model.move_cursor(x, y, record=False)))
        self.canvas.pin_moved.connect(lambda i, x, y: self._edit(self.model.move_pin(i, x, y, record=False)))
        self.canvas.drag_finished.connect(self._drag_finished)
        self.canvas.pin_added.connect(self._pin_added)
        self.canvas.pin_removed.connect(lambda i: self._edit(self.model.remove_pin(i)))
        self.canvas.pin_reseeded.connect(lambda i, s: self._edit(self.model.reseed_pin(i, s)))
        self.controls.add_pin.connect(lambda s: self._edit(self.model.add_pin(s, random.random(), random.random())))
        self.controls.truncation_changed.connect(lambda psi: self.slider_edit(truncation=psi))
        self.controls.truncation_committed.connect(self.slider_done)
        self.controls.play_toggled.connect(self._play)
        self.controls.speed_changed.connect(lambda v: setattr(self, "_walk_speed", v))
        self.controls.undo.connect(self.undo)
        self.controls.redo.connect(self.redo)
        self.controls.favourite.connect(self.add_favourite)
        self.history.chosen.connect(self.use_recipe)
        self.favourite_strip.chosen.connect(self.use_recipe)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        QShortcut(QKeySequence.StandardKey.Redo, self, self.redo)
        self._slider_rest = qdebounced(self._slider_rested, 700, parent=self)
        self._canvas_run: Path | None = None  # where the canvas is remembered (a run folder)
        self._remember_canvas = qdebounced(self._save_canvas, 800, parent=self)
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
        self.source.set_full_text(f"Opening {path}…")
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
        from studio.core.formats.png_recipe import NoMaker, NotTheMaker, read_recipe_for

        try:  # the picture's own model where it still is, else the open one; the checksum policy applies
            emb, checkpoint = read_recipe_for(path, fallback=self.checkpoint)
        except NoMaker:
            self.say(f"{Path(path).name} does not say which checkpoint made it: open that checkpoint first.")
            return False
        except NotTheMaker as e:
            self.say(f"{e}: its recipe would draw another picture here. Open the checkpoint that made it.")
            return False
        except StudioError as e:
            self.say(str(e))
            return False
        if emb.recipe is None:
            self.say("That PNG is a grid; open a single image to reopen its recipe.")
            return False
        if str(checkpoint) != self.checkpoint:
            # Placed once the checkpoint is open, after the run's remembered canvas (which would replace it).
            self._picture = (Path(checkpoint).resolve(), emb.recipe)
            self.open_checkpoint(str(checkpoint))
            return True
        self._show_picture(emb.recipe)
        return True

    def _show_picture(self, recipe: Recipe) -> None:
        try:
            self._edit(self.model.set_picture(recipe))
        except StudioError as e:
            self._say(str(e))

    def _opened(self, info) -> None:
        self.info = info
        other_model = info.checkpoint != self.checkpoint
        if other_model:  # what the last model drew is not this one's
            self.history.clear()
        self.checkpoint = info.checkpoint
        run = Path(info.checkpoint).parent.parent if Path(info.checkpoint).parent.name == "checkpoints" else None
        self.source.set_full_text(f"{info.checkpoint}  ·  {info.model} · {info.width}×{info.height} px · "
                                  f"step {info.step}")
        self.export_button.setEnabled(True)
        self.upscaler_button.setEnabled(run is not None)  # it learns from the run's folder
        for tool in self.tools.values():
            tool.opened(info, other_model)
        if self.model.state.noise_layers is not None and len(self.model.state.noise_layers) != info.noise_layers:
            self.model.update(record=False, noise_layers=None)  # switches of another model do not apply
            self._sync()
        self._open_canvas(run)
        picture, self._picture = self._picture, None
        if picture is not None and Path(info.checkpoint).resolve() == picture[0]:
            self._show_picture(picture[1])  # the picture being opened wins over the remembered canvas
        self.canvas.thumbs.clear()
        self._request_pin_thumbs()
        self.worker.submit(DirectionsJob())
        self.open_favourites(run)
        self.checkpoint_opened.emit(info.checkpoint)

    def _open_canvas(self, run: Path | None) -> None:
        """The canvas the artist left in `run` (pins, cursor, truncation); other checkpoints keep this one."""
        self._remember_canvas.flush()  # the last run's canvas goes into the last run
        self._canvas_run = run
        if run is None:
            return
        try:
            saved = load_canvas(run)
        except StudioError as e:
            self.say(str(e))
            self._canvas_run = None  # the damaged file stays as it is: nothing is written over it
            return
        now = self.model.state
        if saved is not None and (saved.pins, saved.cursor, saved.truncation) != (now.pins, now.cursor, now.truncation):
            self.model = CanvasModel(dataclasses.replace(
                CanvasState(), pins=saved.pins, cursor=saved.cursor, truncation=saved.truncation))
            self._edit()

    def _save_canvas(self) -> None:
        if self._canvas_run is not None:
            try:
                save_canvas(self._canvas_run, self.model.state)
            except StudioError as e:
                self.say(str(e))

    # ---- rendering
    def render(self) -> int:
        try:
            recipe = self.model.state.recipe()
        except StudioError as e:
            self.say(str(e))
            return self._latest
        self._latest = self.worker.submit(ImageJob(recipe))
        return self._latest

    def _image_ready(self, token: int, image: QImage, recipe: Recipe) -> None:
        if token < self._shown:
            return  # an older answer arriving late: never step back in time
        self._shown = token
        self.current_recipe = recipe
        self.view.set_image(image)
        self.status.setText(f"{image.width()}×{image.height()} px · rendered in "
                            f"{self.worker.render_seconds * 1000:.0f} ms")
        if not self._dragging and not self._editing and not self.walk_timer.isActive():
            self.history.add(image, recipe)  # a slider session adds its end only (_slider_done)
        self._last_image = image

    def _pin_thumbs_ready(self, token: int, thumbs: dict, truncation: float) -> None:
        if truncation == self.model.state.truncation:
            self.canvas.set_thumbs(thumbs)

    def _request_pin_thumbs(self) -> None:
        if self.checkpoint is None:
            return
        missing = self.canvas.missing_thumbs()
        if missing:
            self.worker.submit(PinThumbsJob(missing, self.model.state.truncation))

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
        for tool in self.tools.values():
            tool.show_state(s, before, first)
        self._show_history(force=first)
        self._synced_once = True
        self._remember_canvas()

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

    def slider_edit(self, **changes) -> None:
        """A change that is part of a slider's drag (or key presses): one undo step when it ends."""
        if dataclasses.replace(self.model.state, **changes) == self.model.state:
            return
        if "truncation" in changes and self.model.state.w is not None:
            # ψ pulls the pins' blend; a latent from elsewhere is not one: say so rather than render it again.
            self.controls.set_psi(self.model.state.truncation)
            self.say("ψ acts on the pins' blend; this picture's latent came from elsewhere (the style mixer, a "
                     "favourite, History or a picture). Move the cursor on the canvas to blend the pins again.")
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
        self._remember_canvas()
        self._slider_rest()  # keys have no release: a pause ends their session

    def _slider_rested(self) -> None:
        if self._editing and QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            self.slider_done()

    def slider_done(self) -> None:
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
        """Put a latent from the history, the favourites, a tool or a dropped PNG on the canvas."""
        try:
            self._edit(self.model.set_latent(recipe))
        except StudioError as e:
            self.say(str(e))

    # ---- what the tools get (studio/ui/explore/tool.py: ToolHost)
    @property
    def state(self) -> CanvasState:
        return self.model.state

    def run(self, tool: Tool, work, *request, failure: str):
        return self.runs.run(tool, work, *request, failure=failure)

    def cancel(self, tool: Tool) -> None:
        self.runs.cancel(tool)

    def edit(self, **changes) -> None:
        self._edit(self.model.update(**changes))

    def pin_seed(self, seed: int) -> None:
        """A pin for `seed` on the canvas, with the cursor on it (so its image shows); one undo step."""
        x, y = random.uniform(0.1, 0.9), random.uniform(0.1, 0.9)
        self.model.add_pin(seed, x, y)
        self.model.move_cursor(x, y, record=False)
        self._edit()
        self.say(f"Seed {seed} pinned on the canvas.")

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def reveal(self, tool: Tool) -> None:
        for pages in (self.side_tabs, self.strips):
            if pages.indexOf(tool.panel) >= 0:
                pages.setCurrentWidget(tool.panel)

    def tool(self, name: str) -> Tool:
        return self.tools[name]

    # ---- export
    def show_export(self) -> None:
        if self.checkpoint is None:
            return
        favs = [f.recipe for f in self.favourites.items] if self.favourites is not None else []
        info = self.info
        self._export = ExportDialog(self.checkpoint, self.current_recipe, favs,
                                    self.export_folder, self.controls.seed.value(), self, preview=self.view.image,
                                    background=info.background if info is not None else "#ffffff",
                                    transparent=info is not None and info.trained_transparent)
        self._export.exported.connect(self.exported)
        self._export.show()

    def exported(self, path: str) -> None:
        self.say(f"Saved {path}")
        self.export_folder = str(Path(path).parent)
        self.export_folder_changed.emit(self.export_folder)

    def show_upscaler(self) -> None:
        """Train upscaler…: the open run's learned ×2/×4 upscale, trained in the background."""
        run = Path(self.checkpoint).parent.parent if self.checkpoint else None
        if run is None or Path(self.checkpoint).parent.name != "checkpoints":
            return
        if self._upscaler is None or self._upscaler.run != run:
            if self._upscaler is not None:
                self._upscaler.close()
            self._upscaler = UpscalerDialog(run, self)
        self._upscaler.show()
        self._upscaler.raise_()

    # ---- drag and drop of an exported PNG: reopen its recipe
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith(".png"):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.open_picture(event.mimeData().urls()[0].toLocalFile())

    def say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    # ---- lifetime
    def shutdown(self) -> None:
        """Stop the walk, the tools, any export and the render thread (the main window calls this when it closes)."""
        self.walk_timer.stop()
        self._remember_canvas.flush()
        self.runs.stop_all()
        if self._export is not None:
            self._export.cancel_export()
        if self._upscaler is not None:
            self._upscaler.stop_and_wait()
        if self.worker.isRunning():
            self.worker.stop()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        super().closeEvent(event)
