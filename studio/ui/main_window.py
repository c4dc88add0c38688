"""The studio window: a welcome view, then a project view with the training panel on the left and the
Live, Dataset, Snapshots and Explore tabs on the right. It builds its widgets (`views`, window_layout) and
menus (`actions`, window_menus), wires them to its controllers — what is open (ProjectController), training
(TrainingController), the estimates before Start (EstimateController), the sample export and the Explore
tab (ExploreLink) — each handed its view (`presenter`, studio.ui.views' protocols) and collaborators, and
keeps its commands and its closing; it computes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from studio.ui.app_state import AppState
from studio.ui.base.folders import default_export_folder
from studio.ui.base.jobs import Job, jobs_below, start_job, stop_jobs
from studio.ui.base.threads import StudioThread
from studio.ui.device_probe import Devices, probe_devices
from studio.ui.estimate_controller import EstimateController, ReadFolder
from studio.ui.explore_link import ExploreLink
from studio.ui.project_controller import PICTURE_SUFFIXES, Project, ProjectController
from studio.ui.sample_export import SampleExport
from studio.ui.training_controller import TrainingController
from studio.ui.window_layout import build_layout
from studio.ui.window_menus import build_menus
from studio.ui.window_presenter import WindowPresenter
from studio.ui.window_settings import EXPORT_KEY, WindowSettings, fit_to_screen

MIN_SIZE = QSize(760, 520)  # fits a 1024 × 700 screen (and an 800 × 600 one) with a title bar and a panel
STOP_WAIT_MS = 30_000
OPENABLE_FILES = (".safetensors", *PICTURE_SUFFIXES)

__all__ = ["MainWindow", "Project", "default_cache", "default_home"]


def _guard_singletons() -> None:
    """PySide6 6.12 on CPython 3.11 drops a reference to True on every Signal.emit (see
    studio/ui/explore/none_guard.py); the training worker emits several times a second for hours,
    so the guard is applied when the window is built, not only when the Explore tab is."""
    try:
        from studio.ui.explore.none_guard import make_none_immortal
    except ImportError:
        return
    make_none_immortal()


def default_home() -> Path:
    """Per-user folder for runs and the demo data (platformdirs: the right place on every OS)."""
    from platformdirs import user_data_path

    return user_data_path("gan-studio", appauthor=False)


def default_cache() -> Path:
    """The per-user cache (core.places: `GAN_STUDIO_CACHE` overrides it, as on the command line)."""
    from studio.core.places import cache_root

    return cache_root()


class MainWindow(QMainWindow):
    def __init__(self, home: Path | None = None, cache: Path | None = None, settings: QSettings | None = None,
                 probe_devices: bool = True) -> None:
        super().__init__()
        _guard_singletons()
        self.home = Path(home) if home is not None else default_home()
        self.cache = Path(cache) if cache is not None else default_cache()
        self.settings = settings if settings is not None else QSettings()
        self.probe: Job | None = None
        self.gpu = False
        self._closing = False
        self._guide: QWidget | None = None
        self.about_dialog: QWidget | None = None
        # Asked before closing while training; tests answer it directly.
        self.confirm_stop: Callable[[], bool] = self._ask_stop

        self.setWindowTitle("GAN Studio")
        self.setAcceptDrops(True)
        # An explicit minimum: the window never takes its minimum from its layout, so a banner or a page
        # never grows it (pages scroll instead; tests/ui/test_layout.py checks that they fit it).
        self.setMinimumSize(MIN_SIZE)
        self.resize(1400, 900)
        self._fitted = False
        self._build(probe_devices)
        self._connect()
        self.window_settings.restore()
        self.set_state(AppState.EMPTY)
        if probe_devices:
            QTimer.singleShot(0, self._probe_devices)  # then adds the Explore tab
        else:
            self.explore.add()

    # ================================================================== the parts and their wiring
    def _build(self, probe_devices: bool) -> None:
        v = self.views = build_layout(self)
        self.menu_actions = build_menus(self, self, v)  # its slots are this window's commands, called later
        self.window_settings = WindowSettings(self.settings, self, v.split, v.train_panel.length_unit,
                                              self._show_recent)
        self.presenter = WindowPresenter(self, v, self.menu_actions, self._on_state)
        # The Explore tab imports torch (seconds): it is added once torch has loaded in the background.
        self.explore = ExploreLink(self, v, self.menu_actions.view_menu, self.presenter, self.cache, self.export_folder,
                                   self.set_export_folder, lambda info: self.projects.show_checkpoint(info),
                                   self.settings)
        self.estimator = EstimateController(self, self.presenter, v.train_panel, v.welcome, self.cache, probe_devices,
                                            folder=self._read_folder, gpu=lambda: self.gpu)
        self.projects = ProjectController(self.presenter, v.train_panel, self.estimator, self.window_settings,
                                          self.explore, self.home, self.cache,
                                          training=lambda: self.training.worker is not None,
                                          start_training=self.start_training, gpu=lambda: self.gpu, parent=self)
        self.training = TrainingController(self.presenter, v.train_panel, self.projects, self.home, self.cache,
                                           remember=self.window_settings.remember, explore=self.explore.finished,
                                           ended=self.closed_after_training, parent=self)
        self.sample_export = SampleExport(self, v.grid, v.train_panel, self.projects, self.presenter,
                                          self.export_folder, self.set_export_folder)

    def _connect(self) -> None:
        v = self.views
        v.welcome.open_folder_requested.connect(self.choose_folder)
        v.welcome.open_run_requested.connect(self.choose_run)
        v.welcome.demo_requested.connect(self.open_demo)
        v.welcome.recent_selected.connect(self.open_path)
        v.welcome.guide_requested.connect(self.show_guide)
        tp = v.train_panel
        tp.start_requested.connect(self.start_training)
        tp.pause_requested.connect(self.pause_training)
        tp.resume_requested.connect(self.resume_training)
        tp.stop_requested.connect(self.stop_training)
        tp.source_box.choose_requested.connect(self.projects.choose_source_run)
        v.live.unreadable.connect(lambda text: self.show_message("warning", text))
        v.compare.error.connect(lambda text: self.show_message("warning", text))
        v.tabs.currentChanged.connect(self._on_tab)

    def _on_tab(self, index: int) -> None:
        compare = self.views.compare
        if self.views.tabs.widget(index) is compare:
            self.projects.refresh_checkpoints()
            if compare.is_empty and compare.checkpoints:
                compare.compare()  # show something at once: oldest against newest

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._fitted:  # the frame's size is known once shown
            self._fitted = True
            QTimer.singleShot(0, lambda: fit_to_screen(self))

    # ================================================================== state
    state = property(lambda self: self.presenter.state)
    is_shut = property(lambda self: self.presenter.is_shut)

    def set_state(self, state: AppState | str) -> None:
        self.presenter.set_state(state)

    def _on_state(self, state: AppState) -> None:
        if state == AppState.IDLE:
            self.estimator.schedule()
        else:
            self.estimator.cancel()

    def show_message(self, level: str, text: str) -> None:
        self.presenter.say(level, text)

    def _show_recent(self, items: list[str]) -> None:
        self.views.welcome.set_recent(items)
        menu = self.menu_actions.recent_menu
        menu.clear()
        for p in items:
            a = menu.addAction(p)
            a.triggered.connect(lambda _c=False, path=p: self.open_path(path))
        menu.setEnabled(bool(items))

    def recent(self) -> list[str]:
        return self.window_settings.recent()

    # ================================================================== what the controllers hold
    def _read_folder(self) -> ReadFolder | None:
        """The open folder once read (the estimate's subject)."""
        project, dataset = self.projects.project, self.projects.dataset
        if project is None or project.data is None or dataset is None:
            return None
        return ReadFolder(project.data, len(dataset.folder))

    project = property(lambda self: self.projects.project)
    dataset = property(lambda self: self.projects.dataset)
    loader = property(lambda self: self.projects.loader)
    follower = property(lambda self: self.projects.follower)
    explore_tab = property(lambda self: self.explore.tab)
    worker = property(lambda self: self.training.worker)
    estimate_worker = property(lambda self: self.estimator.worker)
    speed_worker = property(lambda self: self.estimator.speed_worker)
    estimates = property(lambda self: self.estimator.enabled, lambda self, on: setattr(self.estimator, "enabled", on))
    speed_seconds = property(lambda self: self.estimator.seconds,
                             lambda self, s: setattr(self.estimator, "seconds", s))
    speed_resolution = property(lambda self: self.estimator.resolution,
                                lambda self, r: setattr(self.estimator, "resolution", r))
    autostart = property(lambda self: self.projects.autostart, lambda self, on: setattr(self.projects, "autostart", on))
    autostart_steps = property(lambda self: self.projects.autostart_steps,
                               lambda self, n: setattr(self.projects, "autostart_steps", n))

    # Commands (menus, buttons, drops, the command line and tests call these).
    def choose_folder(self) -> None:
        self.projects.choose_folder()

    def choose_run(self) -> None:
        self.projects.choose_run()

    def choose_file(self) -> None:
        self.projects.choose_file()

    def choose_source_run(self) -> None:
        self.projects.choose_source_run()

    def open_demo(self) -> None:
        self.projects.open_demo()

    def open_path(self, path: str | Path) -> None:
        self.projects.open_path(path)

    def open_folder(self, folder: Path) -> None:
        self.projects.open_folder(folder)

    def open_run(self, path: Path) -> None:
        self.projects.open_run(path)

    def close_project(self) -> None:
        self.projects.close_project()

    def start_from_run(self, path: Path) -> bool:
        return self.projects.start_from_run(path)

    def start_training(self) -> None:
        self.training.start()

    def start_or_toggle(self) -> None:
        self.training.start_or_toggle()

    def pause_training(self) -> None:
        self.training.pause()

    def resume_training(self) -> None:
        self.training.resume()

    def toggle_pause(self) -> None:
        self.training.toggle_pause()

    def stop_training(self) -> None:
        self.training.stop()

    # ================================================================== devices, help
    def _probe_devices(self) -> None:
        self.probe = start_job(self, probe_devices, failure="The devices could not be listed")
        self.probe.done.connect(self._on_devices)
        self.probe.failed.connect(lambda text: self.show_message("error", text))
        self.probe.finished.connect(lambda: setattr(self, "probe", None))

    def _on_devices(self, devices: Devices) -> None:
        auto_name, gpu = devices.auto, devices.gpu
        self.gpu = gpu
        self.explore.add()
        self.views.train_panel.set_devices(auto_name, list(devices.extra))
        if self.state not in (AppState.TRAINING, AppState.PAUSED, AppState.STOPPING, AppState.LOADING):
            self.presenter.show_device(auto_name)
        self.views.welcome.set_device(auto_name, gpu)
        self.estimator.measure_welcome_speed(gpu)

    def show_guide(self) -> None:
        from studio.ui.widgets.guide_dialog import GuideDialog

        if self._guide is None:
            self._guide = GuideDialog(self)
        self._guide.show()
        self._guide.raise_()
        self._guide.activateWindow()

    def show_about(self) -> None:
        from studio.ui.widgets.about_dialog import AboutDialog

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the versions need torch: a second if not loaded
        try:
            dialog = AboutDialog(self)
        finally:
            QApplication.restoreOverrideCursor()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog = dialog
        dialog.open()

    # ================================================================== Explore (kept until the tab exists)
    def open_in_explore(self, path: Path) -> None:
        self.explore.open_in_explore(path)

    def explore_checkpoint(self, path: str, switch: bool = True) -> None:
        self.explore.explore_checkpoint(path, switch)

    # ================================================================== export
    def export_dialog(self) -> None:
        self.sample_export.choose_and_export()

    def export_samples(self, path: Path, transparent: bool = False, region: str = "edges") -> bool:
        return self.sample_export.export_grid(path, transparent, region)

    def export_folder(self) -> str:
        return self.window_settings.folder(EXPORT_KEY, Path(default_export_folder()))

    def set_export_folder(self, folder: str) -> None:
        """One export folder for every export (the sample grid, Explore's, a repaired picture)."""
        self.window_settings.set_folder(EXPORT_KEY, Path(folder))
        self.explore.folder_changed(folder)

    # ================================================================== drag and drop, closing
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            p = Path(urls[0].toLocalFile())
            if p.is_dir() or p.suffix.lower() in OPENABLE_FILES:
                event.acceptProposedAction()
                return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        urls: list[QUrl] = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())

    def _ask_stop(self) -> bool:
        answer = QMessageBox.question(
            self, "Training is running",
            "Stop training and close? A checkpoint is saved first, so you can resume later.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        worker = self.training.worker
        if worker is not None and worker.is_running():
            if not self._closing and not self.confirm_stop():
                event.ignore()
                return
            self._closing = True
            self.training.controls.stop()
            self.set_state(AppState.STOPPING)
            # The loop ends after its current step and saves a checkpoint; wait for it here.
            if not worker.wait(STOP_WAIT_MS):
                event.ignore()  # still saving: the window closes when the thread ends
                return
            # The events the job yielded before it ended (its last checkpoint, Finished) wait in the GUI
            # thread's queue, which this wait blocked: deliver them before the controllers shut down.
            QCoreApplication.sendPostedEvents()
        self._shutdown()
        event.accept()

    def closed_after_training(self) -> None:
        """The training thread ended: if the window was closing, it closes now."""
        if self._closing and not self.is_shut:
            self.close()

    def _shutdown(self) -> None:
        self.presenter.shutdown()  # the window is shut: nothing new starts
        self.window_settings.save()
        # First what could start a thread later (a debounced re-read of the folder, a pending estimate):
        # a closed window must not read a folder or train for an estimate 300 ms after it closed.
        self.projects.shutdown()
        self.estimator.shutdown()
        self.views.compare.shutdown()
        self.explore.shutdown()
        # Every helper thread and job of ours is below the window: ask each to finish, then wait for it.
        threads = [t for t in self.findChildren(StudioThread) if t.isRunning()]
        for thread in threads:
            thread.requestInterruption()
        stop_jobs(jobs_below(self))
        for thread in threads:
            thread.wait()
        self.training.shutdown()
