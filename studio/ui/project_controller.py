"""What is open: an image folder, a run folder (with the folder it was trained on), a checkpoint or a
studio picture. Opening reads the folder in a `load_dataset` job, follows a run another process is
writing (RunFollower), shows a stopped run where it stopped, and suggests settings for a new folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog
from superqt.utils import qdebounced

from studio.core.formats.metrics_rows import LossRow, Quality
from studio.ui.app_state import AppState
from studio.ui.dataset_loader import LoadedDataset, load_dataset
from studio.ui.base.jobs import Job, start_job
from studio.ui.follower import RunFollower
from studio.ui.widgets.progress_panel import format_duration

PICTURE_SUFFIXES = (".png",)


@dataclass
class Project:
    """What is open: an image folder, a run folder, or both (a run knows its data folder)."""

    data: Path | None
    run: Path | None = None


class ProjectController(QObject):
    """`window` is the MainWindow that owns it (its widgets, state and settings)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.project: Project | None = None
        self.dataset: LoadedDataset | None = None
        self.loader: Job | None = None
        self.follower: RunFollower | None = None
        self.suggested_for: Path | None = None  # the folder whose suggested settings were applied
        self.schedule_reload = qdebounced(self._reload_dataset, 300, parent=self)
        tp = window.train_panel
        for combo in (tp.aspect, tp.resolution, tp.fit):
            combo.currentIndexChanged.connect(lambda _i: self._reload_soon())
        tp.classes.toggled.connect(lambda _on: self._reload_soon())
        tp.background.editingFinished.connect(self._reload_soon)

    # ------------------------------------------------------------------ choosing
    def choose_folder(self) -> None:
        settings = self.w.window_settings
        path = QFileDialog.getExistingDirectory(self.w, "Open a folder of images",
                                                settings.folder("last_dir", Path.home()))
        if path:
            settings.set_folder("last_dir", Path(path).parent)
            self.open_folder(Path(path))

    def choose_run(self) -> None:
        path = QFileDialog.getExistingDirectory(self.w, "Open a run folder", str(self._runs_folder()))
        if path:
            self.open_run(Path(path))

    def choose_file(self) -> None:
        """A checkpoint or a picture exported by the studio (its recipe goes on the Explore canvas)."""
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Open a checkpoint or a studio picture", str(self._runs_folder()),
            "Checkpoints and studio pictures (*.safetensors *.png);;All files (*)")
        if path:
            self.open_path(path)

    def _runs_folder(self) -> Path:
        runs = self.w.home / "runs"
        return runs if runs.is_dir() else Path.home()

    def open_demo(self) -> None:
        from studio.core.demo import write_demo_data

        folder = self.w.home / "demo-64"
        self.w.statusBar().showMessage("Writing the demo images…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write_demo_data(folder, count=512, size=64)
        except OSError as e:
            self.w.show_message("error", f"Could not write the demo images to {folder}: {e.strerror or e}.")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.open_folder(folder)

    def open_path(self, path: str | Path) -> None:
        """A folder of images, a run folder, a checkpoint or a studio picture: whichever `path` is."""
        p = Path(path).expanduser()
        if not p.exists():
            self.w.show_message("error", f"{p} does not exist.")
            self.w.window_settings.forget(path)
            return
        if p.is_file() and p.suffix.lower() in (".safetensors", *PICTURE_SUFFIXES):
            self.w.open_in_explore(p)  # straight to the explorer (once it is there)
            return
        if not p.is_dir():
            self.w.show_message("error", f"{p} is a file. Open a folder of images, a run folder, a checkpoint "
                                         "or a picture exported by the studio.")
            return
        if (p / "config.json").is_file():
            self.open_run(p)
        else:
            self.open_folder(p)

    # ------------------------------------------------------------------ opening and closing
    def busy(self) -> bool:
        if self.w.training.worker is not None:
            self.w.show_message("warning", "Training is running: stop it before opening something else.")
            return True
        return False

    def stop_following(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower.deleteLater()
            self.follower = None

    def _stop_reading(self) -> None:
        """No more following a run, and the folder's reading (if any) asked to stop."""
        self.stop_following()
        if self.loader is not None:
            self.loader.cancel()

    def shutdown(self) -> None:
        """The window closes: no re-read may start after it (the form's debounced reload), none runs on."""
        self.schedule_reload.cancel()
        self._stop_reading()

    def close_current(self) -> None:
        w = self.w
        self._stop_reading()
        self.loader = None
        self.dataset = None
        w.live.clear()
        w.compare.clear_views()
        w.compare.set_checkpoints([])
        w.progress_panel.reset()
        w.train_panel.set_resumable(False)
        w.train_panel.set_blocker("")
        w.train_panel.run_folder.clear()
        w.memory_label.hide()
        w.estimator.stop_welcome_speed()
        w.estimator.cancel()  # the last project's estimate ("about 155 images/s…") is not this one's
        w.message_bar.hide()  # the last project's messages ("No images found in …") are not this one's

    def close_project(self) -> None:
        if self.busy():
            return
        self.close_current()
        self.project = None
        self.w.show_project(None)
        self.w.set_state(AppState.EMPTY)
        if self.w.estimator.enabled:  # at the form's shape now (cached once measured)
            self.w.estimator.measure_welcome_speed(self.w.gpu)

    def open_folder(self, folder: Path) -> None:
        if self.busy():
            return
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.w.show_message("error", f"{folder} is not a folder.")
            return
        previous = self.project
        self.close_current()
        if previous is not None and previous.data != folder.resolve():
            self.w.train_panel.reset_form()  # nothing of the last folder's settings leaks into this one
            self.suggested_for = None
        self.project = Project(data=folder.resolve())
        self.w.window_settings.remember(self.project.data)
        self.w.show_project(folder.name)
        self.w.tabs.setCurrentWidget(self.w.dataset_panel)
        self.w.set_state(AppState.IDLE)
        self.load_dataset()

    def open_run(self, path: Path) -> None:
        if self.busy():
            return
        from studio.core.errors import StudioError
        from studio.core.formats.run import RunDir
        from studio.core.training.config import TrainConfig, total_steps

        run = RunDir(Path(path).expanduser().resolve())
        try:
            cfg = TrainConfig.from_json(run.read_config())  # the window's one reading of config.json
        except StudioError as e:
            self.w.show_message("error", str(e))
            return
        w, tp = self.w, self.w.train_panel
        self.close_current()
        data = Path(cfg.data) if cfg.data else None
        self.project = Project(data=data, run=run.path)
        w.window_settings.remember(run.path)
        w.show_project(f"run {run.path.name}")
        w.tabs.setCurrentIndex(0)
        tp.reset_form()
        tp.set_from_config(cfg)
        w.progress_panel.canvas = tp.canvas()  # a growing run's stages are named by its picture size
        w.live.total_steps = total_steps(cfg)  # as the trainer counts them (a last partial batch is a step)
        w.live.augment_used = cfg.augment != "none"
        tp.run_folder.setText(str(run.path))
        self.follower = RunFollower(run.path, parent=self)
        self.follower.records.connect(self.on_records)
        self.follower.snapshot.connect(self._on_follow_snapshot)
        self.follower.checkpoints_changed.connect(self.refresh_checkpoints)
        if run.is_being_written():
            self.follower.ended.connect(self._on_follow_ended)
            w.set_state(AppState.FOLLOWING)
            w.show_message("info", f"Another process is training {run.path.name}: following it live "
                                   "(curves and snapshots from its run folder).")
            self.follower.start()
        else:
            self.follower.poll()  # show what the run has so far, once
            w.set_state(AppState.IDLE)
            tp.set_resumable(run.latest_checkpoint() is not None)
            self._say_if_interrupted(run)
        latest = run.latest_checkpoint()
        if latest is not None:
            w.explore_checkpoint(str(latest), switch=False)  # ready in Explore, as a finished run is
        if data is not None and data.is_dir():
            self.load_dataset()
        elif data is not None:
            w.dataset_panel.set_failed(f"The run's image folder {data} is not there any more.")

    def _say_if_interrupted(self, run) -> None:
        """A run killed between checkpoints logged steps that no checkpoint holds: say what is kept and lost."""
        records = [r for r in run.read_metrics()[0] if isinstance(r, LossRow)]
        logged = records[-1].step if records else 0
        checkpoints = run.checkpoints()
        saved = checkpoints[-1][0] if checkpoints else 0
        if logged <= saved:
            return  # stopped or finished normally: the last checkpoint is the last step
        if checkpoints:
            n = logged - saved
            lost = "the 1 step after it is lost" if n == 1 else f"the {n} steps after it are lost"
            self.w.show_message("warning", f"This run was interrupted at step {logged}; resuming continues from "
                                           f"step {saved}, its last checkpoint ({lost}).")
        else:
            self.w.show_message("warning", f"This run was interrupted at step {logged}, before its first checkpoint: "
                                           "nothing can be resumed, and Start begins a new run from step 0.")

    def show_checkpoint(self, _path: str) -> None:
        """A checkpoint or studio picture opened on its own (no folder or run): the training panel, disabled,
        names the model and size that made it, not the form's defaults."""
        from studio.core.shape import CanvasShape

        info = self.w.explore_tab.info if self.w.explore_tab is not None else None
        if self.project is not None or info is None or not info.resolution:
            return
        scale = info.resolution  # the networks' scale; the picture is width × height
        self.w.train_panel.show_model(info.model, CanvasShape.of_model(scale, info.width * 4 // scale,
                                                                       info.height * 4 // scale))

    def update_resumable(self) -> None:
        if self.project is not None and self.project.run is not None:
            from studio.core.formats.run import RunDir

            self.w.train_panel.set_resumable(RunDir(self.project.run).latest_checkpoint() is not None)

    # ------------------------------------------------------------------ the folder's images
    def _may_reload(self) -> bool:
        """A folder is open, nothing trains, and the window is not closed."""
        return (not self.w.is_shut and self.project is not None and self.project.data is not None
                and self.w.state == AppState.IDLE)

    def _reload_soon(self) -> None:
        if self._may_reload():
            self.schedule_reload()

    def _reload_dataset(self) -> None:
        if self._may_reload():
            self.load_dataset()

    def load_dataset(self) -> None:
        assert self.project is not None and self.project.data is not None
        if self.loader is not None:
            self.loader.cancel()
        w, tp = self.w, self.w.train_panel
        self.dataset = None
        tp.set_blocker("")
        w.dataset_panel.set_folder(str(self.project.data))
        loader = start_job(w, load_dataset, self.project.data, int(tp.resolution.currentData()), tp.fit.currentData(),
                           tp.background.text().strip() or "#ffffff", tp.classes.isChecked(), w.cache,
                           aspect=tp.aspect.currentData(), failure="The folder could not be read")
        loader.progress.connect(lambda p: w.dataset_panel.set_loading(*p))
        loader.done.connect(lambda result, ldr=loader: self._on_dataset(ldr, result))
        loader.failed.connect(lambda text, ldr=loader: self._on_dataset_failed(ldr, text))
        self.loader = loader

    def _on_dataset(self, loader: Job, result: LoadedDataset | None) -> None:
        if loader is not self.loader or result is None:
            return  # an older request, superseded
        w, tp = self.w, self.w.train_panel
        self.loader = None
        self.dataset = result
        report = result.report
        w.dataset_panel.set_report(report, result.thumbnails, result.augmented, result.augment_p)
        idle = w.state == AppState.IDLE
        if idle and self.project is not None and self.project.run is None and self.suggested_for != self.project.data:
            self.suggested_for = self.project.data
            before = (tp.aspect.currentData(), tp.resolution.currentData())
            for combo in (tp.aspect, tp.resolution):
                combo.blockSignals(True)
            tp.suggest_defaults(report.used, list(report.sizes), w.gpu, w.cache)  # the speeds measured here
            for combo in (tp.aspect, tp.resolution):
                combo.blockSignals(False)
            tp.shape.show_size()
            if (tp.aspect.currentData(), tp.resolution.currentData()) != before:
                self.load_dataset()
                return
        if report.skipped:
            w.show_message("warning", f"{len(report.skipped)} file(s) could not be used; "
                                      "the Dataset tab lists each with its reason.")
        if idle:
            w.estimator.schedule()  # the folder's size decides the batch the estimate assumes
        if w.autostart and idle:
            w.autostart = False
            if w.autostart_steps:
                tp.length_unit.setCurrentIndex(tp.length_unit.findData("steps"))
                tp.length.setValue(w.autostart_steps)
            w.training.start()

    def _on_dataset_failed(self, loader: Job, text: str) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        self.w.dataset_panel.set_failed(text)
        self.w.train_panel.set_blocker(f"Cannot start. {text}")
        self.w.show_message("error", text)

    # ------------------------------------------------------------------ a run on disk
    def on_records(self, records: list[LossRow | Quality]) -> None:
        w = self.w
        w.loss_plot.add_records(records)
        losses = [r for r in records if isinstance(r, LossRow)]  # quality records carry no speed or time
        if not losses:
            return
        last = losses[-1]
        step = last.step
        fraction = step / w.live.total_steps if w.live.total_steps else None
        if w.state != AppState.FOLLOWING:  # a run nobody trains: where it stopped, never a busy bar
            ended = "done" if fraction is not None and fraction >= 0.999 else "stopped"
            w.progress_panel.set_ended(f"{ended} · step {step}", fraction, last.kimg)
            w.progress_panel.elapsed.setText(format_duration(last.time))
            return
        w.progress_panel.set_progress(step, last.kimg, None, last.images_per_second, last.time, None, fraction,
                                      last.resolution, last.alpha)

    def _on_follow_snapshot(self, step: int, path: str) -> None:
        from studio.core.formats.run import RunDir

        if self.project is None or self.project.run is None:
            return
        self.w.live.set_frames([(s, str(p)) for s, p in RunDir(self.project.run).snapshots()])
        image = QImage(path)
        if not image.isNull():
            self.w.live.set_live(image, f"snapshot at step {step}")
            self.w.export_action.setEnabled(True)

    def _on_follow_ended(self) -> None:
        self.w.set_state(AppState.IDLE)
        self.w.show_message("info", "The process writing this run has finished. You can resume training it here.")
        self.update_resumable()

    def refresh_checkpoints(self) -> None:
        from studio.core.formats.run import RunDir

        if self.project is None or self.project.run is None:
            return
        self.w.compare.set_checkpoints([(s, str(p)) for s, p in RunDir(self.project.run).checkpoints()])

    # ------------------------------------------------------------------ fine-tuning
    def choose_source_run(self) -> None:
        if self.w.state != AppState.IDLE:
            return
        path = QFileDialog.getExistingDirectory(self.w, "Start from which run?", str(self._runs_folder()))
        if path:
            self.start_from_run(Path(path))

    def start_from_run(self, path: Path) -> bool:
        """Fine-tune from the run (or checkpoint) at `path`: the training panel shows it and matches its model."""
        from studio.core.errors import StudioError
        from studio.core.training.finetune import find_source

        try:
            source = find_source(path)
        except StudioError as e:
            self.w.show_message("error", str(e))
            return False
        self.w.train_panel.set_source(source)
        self.w.statusBar().showMessage(f"Training will start from {source.describe()}", 8000)
        return True
