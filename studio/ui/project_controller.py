"""What is open: an image folder, a run folder (with the folder it was trained on), a checkpoint or a
studio picture. Opening reads the folder in a `load_dataset` job, follows a run another process is
writing (RunFollower), shows a stopped run where it stopped, and suggests settings for a new folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from superqt.utils import qdebounced

from studio.ui.app_state import AppState
from studio.ui.dataset_loader import LoadedDataset, load_dataset
from studio.ui.base.jobs import Job, start_job
from studio.ui.follower import RunFollower
from studio.ui.run_on_disk import say_if_interrupted, show_records, show_snapshots
from studio.ui.views import Explorer, ProjectView
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.window_settings import WindowSettings

if TYPE_CHECKING:
    from studio.ui.estimate_controller import EstimateController

PICTURE_SUFFIXES = (".png",)


@dataclass
class Project:
    """What is open: an image folder, a run folder, or both (a run knows its data folder)."""

    data: Path | None
    run: Path | None = None


class ProjectController(QObject):
    """Opens what the artist chooses (dialogs over `parent`) and shows it on `view`; the training panel
    `panel` follows it. `estimator` measures before Start, `settings` keeps the recent list and the last
    folders, `explorer` opens checkpoints and pictures; `home` holds the runs and the demo, `cache` the
    measured speeds. `training()` says whether a training job runs, `start_training()` starts one and
    `gpu()` whether there is a GPU."""

    def __init__(self, view: ProjectView, panel: TrainPanel, estimator: EstimateController,
                 settings: WindowSettings, explorer: Explorer, home: Path, cache: Path,
                 training: Callable[[], bool], start_training: Callable[[], None], gpu: Callable[[], bool],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.view, self.panel, self.estimator, self.settings, self.explorer = view, panel, estimator, settings, explorer
        self.home, self.cache, self.dialog_parent = home, cache, parent
        self.training, self.start_training, self.gpu = training, start_training, gpu
        self.autostart = False  # start training as soon as the folder is read (`studio --start`)
        self.autostart_steps: int | None = None
        self.project: Project | None = None
        self.dataset: LoadedDataset | None = None
        self.loader: Job | None = None
        self.follower: RunFollower | None = None
        self.suggested_for: Path | None = None  # the folder whose suggested settings were applied
        self.schedule_reload = qdebounced(self._reload_dataset, 300, parent=self)
        for combo in (panel.aspect, panel.resolution, panel.fit):
            combo.currentIndexChanged.connect(lambda _i: self._reload_soon())
        for box in (panel.classes, panel.shape.enlarge, panel.progressive):  # the last two: the size trained at
            box.toggled.connect(lambda _on: self._reload_soon())
        panel.background.editingFinished.connect(self._reload_soon)

    # ------------------------------------------------------------------ choosing
    def choose_folder(self) -> None:
        settings = self.settings
        path = QFileDialog.getExistingDirectory(self.dialog_parent, "Open a folder of images",
                                                settings.folder("last_dir", Path.home()))
        if path:
            settings.set_folder("last_dir", Path(path).parent)
            self.open_folder(Path(path))

    def choose_run(self) -> None:
        path = QFileDialog.getExistingDirectory(self.dialog_parent, "Open a run folder", str(self._runs_folder()))
        if path:
            self.open_run(Path(path))

    def choose_file(self) -> None:
        """A checkpoint or a picture exported by the studio (its recipe goes on the Explore canvas)."""
        path, _ = QFileDialog.getOpenFileName(
            self.dialog_parent, "Open a checkpoint or a studio picture", str(self._runs_folder()),
            "Checkpoints and studio pictures (*.safetensors *.png);;All files (*)")
        if path:
            self.open_path(path)

    def _runs_folder(self) -> Path:
        runs = self.home / "runs"
        return runs if runs.is_dir() else Path.home()

    def open_demo(self) -> None:
        from studio.core.demo import write_demo_data

        folder = self.home / "demo-64"
        self.view.note("Writing the demo images…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write_demo_data(folder, count=512, size=64)
        except OSError as e:
            self.view.say("error", f"Could not write the demo images to {folder}: {e.strerror or e}.")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.open_folder(folder)

    def open_path(self, path: str | Path) -> None:
        """A folder of images, a run folder, a checkpoint or a studio picture: whichever `path` is."""
        p = Path(path).expanduser()
        if not p.exists():
            self.view.say("error", f"{p} does not exist.")
            self.settings.forget(path)
            return
        if p.is_file() and p.suffix.lower() in (".safetensors", *PICTURE_SUFFIXES):
            self.explorer.open_in_explore(p)  # straight to the explorer (once it is there)
            return
        if not p.is_dir():
            self.view.say("error", f"{p} is a file. Open a folder of images, a run folder, a checkpoint "
                                   "or a picture exported by the studio.")
            return
        if (p / "config.json").is_file():
            self.open_run(p)
        else:
            self.open_folder(p)

    # ------------------------------------------------------------------ opening and closing
    def busy(self) -> bool:
        if self.training():
            self.view.say("warning", "Training is running: stop it before opening something else.")
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
        self._stop_reading()
        self.loader = None
        self.dataset = None
        self.view.clear_project()
        self.panel.set_resumable(False)
        self.panel.set_blocker("")
        self.panel.run_folder.clear()
        self.estimator.stop_welcome_speed()
        self.estimator.cancel()  # the last project's estimate ("about 155 images/s…") is not this one's

    def close_project(self) -> None:
        if self.busy():
            return
        self.close_current()
        self.project = None
        self.view.show_project(None)
        self.view.set_state(AppState.EMPTY)
        if self.estimator.enabled:  # at the form's shape now (cached once measured)
            self.estimator.measure_welcome_speed(self.gpu())

    def open_folder(self, folder: Path) -> None:
        if self.busy():
            return
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.view.say("error", f"{folder} is not a folder.")
            return
        previous = self.project
        self.close_current()
        if previous is not None and previous.data != folder.resolve():
            self.panel.reset_form()  # nothing of the last folder's settings leaks into this one
            self.suggested_for = None
        self.project = Project(data=folder.resolve())  # in Recent once read (a folder that fails stays out)
        self.view.show_project(folder.name)
        self.view.show_dataset_tab()
        self.view.set_state(AppState.IDLE)
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
            self.view.say("error", str(e))
            return
        view, tp = self.view, self.panel
        self.close_current()
        data = Path(cfg.data) if cfg.data else None
        self.project = Project(data=data, run=run.path)
        self.settings.remember(run.path)
        view.show_project(f"run {run.path.name}")
        view.show_live_tab()
        tp.reset_form()
        tp.set_from_config(cfg)
        # A growing run's stages are named by its picture size; its steps as the trainer counts them.
        view.show_run(tp.canvas(), total_steps(cfg))
        view.set_augmented(cfg.augment != "none")
        tp.run_folder.setText(str(run.path))
        self.follower = RunFollower(run.path, parent=self)
        self.follower.records.connect(lambda records: show_records(self.view, records))
        self.follower.snapshot.connect(self._on_follow_snapshot)
        self.follower.checkpoints_changed.connect(self.refresh_checkpoints)
        if run.is_being_written():
            self.follower.ended.connect(self._on_follow_ended)
            view.set_state(AppState.FOLLOWING)
            view.say("info", f"Another process is training {run.path.name}: following it live "
                             "(curves and snapshots from its run folder).")
            self.follower.start()
        else:
            self.follower.poll()  # show what the run has so far, once
            view.set_state(AppState.IDLE)
            tp.set_resumable(run.latest_checkpoint() is not None)
            say_if_interrupted(view, run)
        latest = run.latest_checkpoint()
        if latest is not None:
            self.explorer.explore_checkpoint(str(latest), switch=False)  # ready in Explore, as a finished run is
        if data is not None and data.is_dir():
            self.load_dataset()
        elif data is not None:
            view.show_folder_failed(f"The run's image folder {data} is not there any more.")

    def show_checkpoint(self, info) -> None:
        """A checkpoint or studio picture opened on its own (no folder or run; `info` is the Explore tab's
        description of it): the training panel, disabled, names the model and size that made it, not the
        form's defaults."""
        from studio.core.shape import CanvasShape

        if self.project is not None or info is None or not info.resolution:
            return
        scale = info.resolution  # the networks' scale; the picture is width × height
        self.panel.show_model(info.model, CanvasShape.of_model(scale, info.width * 4 // scale,
                                                                       info.height * 4 // scale))

    def update_resumable(self) -> None:
        if self.project is not None and self.project.run is not None:
            from studio.core.formats.run import RunDir

            self.panel.set_resumable(RunDir(self.project.run).latest_checkpoint() is not None)

    # ------------------------------------------------------------------ the folder's images
    def _may_reload(self) -> bool:
        """A folder is open, nothing trains, and the window is not closed."""
        return (not self.view.is_shut and self.project is not None and self.project.data is not None
                and self.view.state == AppState.IDLE)

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
        view, tp = self.view, self.panel
        self.dataset = None
        tp.set_blocker("")
        view.show_folder(self.project.data)
        loader = start_job(self, load_dataset, self.project.data, tp.trained_resolution(),
                           tp.fit.currentData(),
                           tp.background.text().strip() or "#ffffff", tp.classes.isChecked(), self.cache,
                           aspect=tp.aspect.currentData(), failure="The folder could not be read")
        loader.progress.connect(lambda p: view.show_folder_loading(*p))
        loader.done.connect(lambda result, ldr=loader: self._on_dataset(ldr, result))
        loader.failed.connect(lambda text, ldr=loader: self._on_dataset_failed(ldr, text))
        self.loader = loader

    def _on_dataset(self, loader: Job, result: LoadedDataset | None) -> None:
        if loader is not self.loader or result is None:
            return  # an older request, superseded
        view, tp = self.view, self.panel
        self.loader = None
        self.dataset = result
        report = result.report
        if self.project is not None and self.project.run is None and self.project.data is not None:
            self.settings.remember(self.project.data)
        view.show_report(report, result.thumbnails, result.augmented, result.augment_p)
        idle = view.state == AppState.IDLE
        if idle and self.project is not None and self.project.run is None and self.suggested_for != self.project.data:
            self.suggested_for = self.project.data
            before = (tp.aspect.currentData(), tp.trained_resolution())
            for field in (tp.aspect, tp.resolution, tp.shape.enlarge):
                field.blockSignals(True)
            tp.suggest_defaults(report.used, list(report.sizes), self.gpu(), self.cache)  # the speeds measured here
            for field in (tp.aspect, tp.resolution, tp.shape.enlarge):
                field.blockSignals(False)
            tp.shape.show_size()
            if (tp.aspect.currentData(), tp.trained_resolution()) != before:
                self.load_dataset()
                return
        if report.skipped:
            view.say("warning", f"{len(report.skipped)} file(s) could not be used; "
                                      "the Dataset tab lists each with its reason.")
        if idle:
            self.estimator.schedule()  # the folder's size decides the batch the estimate assumes
        if self.autostart and idle:
            self.autostart = False
            if self.autostart_steps:
                tp.length_unit.setCurrentIndex(tp.length_unit.findData("steps"))
                tp.length.setValue(self.autostart_steps)
            self.start_training()

    def _on_dataset_failed(self, loader: Job, text: str) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        if self.project is not None and self.project.run is None and self.project.data is not None \
                and self.suggested_for != self.project.data:  # never read (a settings change that fails keeps it)
            self.settings.forget(self.project.data)
        self.view.show_folder_failed(text)
        self.panel.set_blocker(f"Cannot start. {text}")
        self.view.say("error", text)

    # ------------------------------------------------------------------ a run on disk (studio.ui.run_on_disk)
    def _on_follow_snapshot(self, step: int, path: str) -> None:
        from studio.core.formats.run import RunDir

        if self.project is not None and self.project.run is not None:
            show_snapshots(self.view, RunDir(self.project.run), step, path)

    def _on_follow_ended(self) -> None:
        self.view.set_state(AppState.IDLE)
        self.view.say("info", "The process writing this run has finished. You can resume training it here.")
        self.update_resumable()

    def refresh_checkpoints(self) -> None:
        from studio.core.formats.run import RunDir

        if self.project is None or self.project.run is None:
            return
        self.view.set_checkpoints([(s, str(p)) for s, p in RunDir(self.project.run).checkpoints()])

    # ------------------------------------------------------------------ fine-tuning
    def choose_source_run(self) -> None:
        if self.view.state != AppState.IDLE:
            return
        path = QFileDialog.getExistingDirectory(self.dialog_parent, "Start from which run?", str(self._runs_folder()))
        if path:
            self.start_from_run(Path(path))

    def start_from_run(self, path: Path) -> bool:
        """Fine-tune from the run (or checkpoint) at `path`: the training panel shows it and matches its model."""
        from studio.core.errors import StudioError
        from studio.core.training.finetune import find_source

        try:
            source = find_source(path)
        except StudioError as e:
            self.view.say("error", str(e))
            return False
        self.panel.set_source(source)
        self.view.note(f"Training will start from {source.describe()}", 8000)
        return True
