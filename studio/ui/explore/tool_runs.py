"""The Explore tab's longer jobs, each in its own worker and one at a time: projecting a picture onto the
canvas, the nearest training images, the atlas of many seeds, and inpainting a picture. A mixin of
ExploreTab (studio/ui/explore/tab.py), which holds the checkpoint, the canvas model and the panels."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from studio.core.errors import StudioError
from studio.ui.explore.atlas_worker import AtlasWorker
from studio.ui.explore.inpaint_worker import InpaintWorker
from studio.ui.explore.nearest_worker import NearestWorker
from studio.ui.explore.projection_worker import ProjectionWorker


class ToolRuns:
    """Projection, nearest images, atlas and inpainting for ExploreTab: start, cancel, finish."""

    projection: ProjectionWorker | None = None
    nearest_worker: NearestWorker | None = None
    atlas_worker: AtlasWorker | None = None
    inpaint_worker: InpaintWorker | None = None

    # ---- nearest training images, projection
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
        self.projection.done.connect(lambda r, note: (self.use_recipe(r), self._say(
            f"Projected {Path(path).name}" + (f" ({note})." if note else "."))))
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
        start = str(Path(self.export_folder) / f"{stem}-repaired.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save the repaired picture", start, "PNG (*.png)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            saved = self.save_inpainting(str(Path(path).parent), Path(path).name)
            if saved is not None:
                self.export_folder = str(saved.parent)
                self.export_folder_changed.emit(self.export_folder)

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


    def stop_tools(self) -> None:
        """Interrupt and wait for every tool's worker (the tab is closing)."""
        if self.projection is not None:
            self.projection.requestInterruption()
            self.projection.wait()
        if self.nearest_worker is not None:
            self.nearest_worker.wait()  # indexing is not interruptible; it is bounded by the training set
        for worker in (self.atlas_worker, self.inpaint_worker):
            if worker is not None:
                worker.requestInterruption()  # both check it between images / steps
                worker.wait()
