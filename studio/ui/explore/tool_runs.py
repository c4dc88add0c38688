"""The Explore tab's longer jobs, each in its own worker and one at a time: projecting a picture onto the
canvas, the nearest training images, the atlas of many seeds, and inpainting a picture. A mixin of
ExploreTab (studio/ui/explore/tab.py), which holds the checkpoint, the canvas model and the panels."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from studio.core.errors import StudioError
from studio.ui.explore.atlas_worker import build_atlas_shown
from studio.ui.explore.inpaint_worker import inpaint_picture
from studio.ui.explore.nearest_worker import find_nearest
from studio.ui.explore.projection_worker import project_picture
from studio.ui.jobs import Job, stop_jobs, start_job


class ToolRuns:
    """Projection, nearest images, atlas and inpainting for ExploreTab: start, cancel, finish."""

    projection: Job | None = None
    nearest_worker: Job | None = None
    atlas_worker: Job | None = None
    inpaint_worker: Job | None = None

    # ---- nearest training images, projection
    def check_nearest(self) -> None:
        if self.current_recipe is None:
            return
        if self.nearest_worker is not None or self.checkpoint is None:
            return
        self.nearest.searching()
        self.strips.setCurrentWidget(self.nearest)
        nearest_cache = str(Path(self.cache_dir) / "nearest") if self.cache_dir is not None else None
        self.nearest_worker = start_job(self, find_nearest, self.checkpoint, self.current_recipe, nearest_cache,
                                        failure="Could not compare with the training images")
        self.nearest_worker.done.connect(self.nearest.show_result)
        self.nearest_worker.failed.connect(self._say)
        self.nearest_worker.finished.connect(lambda: setattr(self, "nearest_worker", None))

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
        self.projection = start_job(self, project_picture, self.checkpoint, path, steps, failure="Projection failed")
        self.projection.progress.connect(lambda p: self.status.setText(
            f"Projecting {Path(path).name}: step {p[0]}/{p[1]}, loss {p[2]:.4f}"))
        self.projection.done.connect(lambda r: (self.use_recipe(r.recipe), self._say(
            f"Projected {Path(path).name}" + (f" ({r.note})." if r.note else "."))))
        self.projection.failed.connect(self._say)
        self.projection.finished.connect(self._projection_finished)
        self.controls.project_button.setEnabled(False)

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
        self.atlas_worker = start_job(self, build_atlas_shown, self.checkpoint, list(seeds),
                                      self.model.state.truncation, layout, failure="The atlas failed")
        self.atlas_worker.progress.connect(lambda p: self.atlas.show_progress(*p))
        self.atlas_worker.done.connect(self.atlas.show_atlas)
        self.atlas_worker.failed.connect(self._say)
        self.atlas_worker.finished.connect(self._atlas_finished)
        self.atlas.set_busy(True)

    def cancel_atlas(self) -> None:
        if self.atlas_worker is not None:
            self.atlas_worker.cancel()

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
        self.inpaint_worker = start_job(self, inpaint_picture, self.checkpoint, picture, mask, settings,
                                        failure="Inpainting failed")
        self.inpaint_worker.progress.connect(lambda p: self.inpaint.show_progress(*p))
        self.inpaint_worker.done.connect(self.inpaint.show_outcome)
        self.inpaint_worker.failed.connect(lambda text: (self.inpaint.status.setText(text), self._say(text)))
        self.inpaint_worker.finished.connect(self._inpainting_finished)
        self.inpaint.set_busy(True)

    def cancel_inpainting(self) -> None:
        if self.inpaint_worker is not None:
            self.inpaint_worker.cancel()

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
        """Cancel and wait for every tool's job (the tab is closing); indexing the nearest images does not
        check, but it is bounded by the training set."""
        stop_jobs([j for j in (self.projection, self.nearest_worker, self.atlas_worker, self.inpaint_worker)
                   if j is not None])
