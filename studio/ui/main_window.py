"""The studio window: a welcome view, then a project view with the training panel on the left and the
live samples, curves, dataset, snapshots and explorer on the right. It wires widgets to the
training worker (studio.ui.worker), the dataset loader and the run follower; it computes nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from studio.ui.dataset_loader import DatasetLoader, LoadedDataset
from studio.ui.device_probe import DeviceProbe
from studio.ui.follower import RunFollower
from studio.ui.speed_worker import SpeedWorker
from studio.ui.threads import StudioThread
from studio.ui.widgets.dataset_panel import DatasetPanel
from studio.ui.widgets.loss_plot import LossPlot
from studio.ui.widgets.message_bar import MessageBar
from studio.ui.widgets.progress_panel import ProgressPanel, format_duration
from studio.ui.widgets.sample_grid import SampleGrid
from studio.ui.widgets.scroll import PageTabs
from studio.ui.widgets.snapshot_compare import SnapshotCompare
from studio.ui.widgets.timelapse import Timelapse
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.widgets.welcome import WelcomeView
from studio.ui.worker import TrainWorker


MAX_RECENT = 10
MIN_SIZE = QSize(760, 520)  # fits a 1024 × 700 screen (and an 800 × 600 one) with a title bar and a panel
STOP_WAIT_MS = 30_000
STATE_TEXT = {
    "empty": "No project open", "idle": "Ready", "loading": "Reading images…", "training": "Training",
    "paused": "Paused", "stopping": "Stopping — saving a checkpoint…", "following": "Following a run",
}


@dataclass
class Project:
    """What is open: an image folder, a run folder, or both (a run knows its data folder)."""

    data: Path | None
    run: Path | None = None


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
    from platformdirs import user_cache_path

    return user_cache_path("gan-studio", appauthor=False)


class MainWindow(QMainWindow):
    def __init__(self, home: Path | None = None, cache: Path | None = None, settings: QSettings | None = None,
                 probe_devices: bool = True) -> None:
        super().__init__()
        _guard_singletons()
        self.home = Path(home) if home is not None else default_home()
        self.cache = Path(cache) if cache is not None else default_cache()
        self.settings = settings if settings is not None else QSettings()
        self.project: Project | None = None
        self.dataset: LoadedDataset | None = None
        self.worker: TrainWorker | None = None
        self.loader: DatasetLoader | None = None
        self.follower: RunFollower | None = None
        self.probe: DeviceProbe | None = None
        self.speed_worker: SpeedWorker | None = None
        # The welcome view's "about N images/s": measured once per device and torch, then cached.
        self.speed_resolution = 64
        self.speed_seconds = 1.5
        self.gpu = False
        self.autostart = False  # start training as soon as the folder is read (`studio --start`)
        self.autostart_steps: int | None = None
        self.explore_on_finish = True  # open a finished run in the Explore tab (its PCA takes CPU)
        self.live_image = QImage()
        self.live_caption = ""
        self.frames: list[tuple[int, str]] = []
        self.state = "empty"
        self._closing = False
        self._shut = False
        self._pending_explore: str | None = None
        self._pending_progress = None
        self._suggested_for: Path | None = None
        self._run_total_steps: int | None = None
        self._augment_used = True
        self._tray: QSystemTrayIcon | None = None
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
        self._build()
        self._build_menus()
        self._restore_settings()
        self._refresh = QTimer(self)
        self._refresh.setInterval(330)  # curves and progress redraw at most 3 Hz, however fast events arrive
        self._refresh.timeout.connect(self._refresh_views)
        self._refresh.start()
        # The estimate before Start follows the form, a moment after the artist stops changing it.
        self.estimate_worker: SpeedWorker | None = None
        self.estimates = probe_devices  # off in tests and benches unless asked for: it trains for seconds
        self._estimate_again = False
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(400)
        self._estimate_timer.timeout.connect(self.update_estimate)
        self.train_panel.settings_changed.connect(self._estimate_timer.start)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self._reload_dataset)
        self.set_state("empty")
        if probe_devices:
            QTimer.singleShot(0, self._probe_devices)  # then adds the Explore tab
        else:
            self._add_explore_tab()

    def _add_explore_tab(self) -> None:
        """Add the explorer (studio.ui.explore, built alongside) when it is installed."""
        if self.explore_tab is not None:
            return
        try:
            from studio.ui.explore.tab import ExploreTab
        except ImportError:
            return  # the window works without it
        self.explore_tab = ExploreTab(cache_dir=str(self.cache / "explore"))
        self.tabs.addTab(self.explore_tab, "Explore")
        self.explore_tab.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.compare.set_explore_available(True)
        a = QAction("E&xplore", self)
        a.setShortcut(QKeySequence("Ctrl+4"))
        a.triggered.connect(lambda: self.tabs.setCurrentWidget(self.explore_tab))
        self.addAction(a)
        self.view_menu.addAction(a)
        if self._pending_explore is not None:
            self._open_pending_explore()

    def _open_pending_explore(self) -> None:
        path, self._pending_explore = self._pending_explore, None
        if self.stack.currentWidget() is self.welcome:
            self.stack.setCurrentWidget(self.split)
        self.explore_checkpoint(path)

    # ================================================================== layout
    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.welcome = WelcomeView()
        self.welcome.open_folder_requested.connect(self.choose_folder)
        self.welcome.open_run_requested.connect(self.choose_run)
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.recent_selected.connect(self.open_path)
        self.welcome.guide_requested.connect(self.show_guide)

        self.train_panel = TrainPanel()
        self.train_panel.start_requested.connect(self.start_training)
        self.train_panel.pause_requested.connect(self.pause_training)
        self.train_panel.resume_requested.connect(self.resume_training)
        self.train_panel.stop_requested.connect(self.stop_training)
        self.train_panel.source_box.choose_requested.connect(self.choose_source_run)
        for combo in (self.train_panel.resolution, self.train_panel.fit):
            combo.currentIndexChanged.connect(lambda _i: self._schedule_reload())
        self.train_panel.classes.toggled.connect(lambda _on: self._schedule_reload())
        self.train_panel.background.editingFinished.connect(self._schedule_reload)
        self.grid = SampleGrid()
        self.timelapse = Timelapse()
        self.timelapse.frame_selected.connect(self._show_frame)
        self.timelapse.live_selected.connect(self._show_live)
        self.loss_plot = LossPlot()
        self.progress_panel = ProgressPanel()
        samples = QWidget()
        sl = QVBoxLayout(samples)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.grid, 1)
        sl.addWidget(self.timelapse)
        live_split = QSplitter(Qt.Orientation.Horizontal)
        live_split.addWidget(samples)
        live_split.addWidget(self.loss_plot)
        live_split.setStretchFactor(0, 1)
        live_split.setStretchFactor(1, 1)
        live_split.setChildrenCollapsible(False)
        self.live_split = live_split
        live = QWidget()
        ll = QVBoxLayout(live)
        ll.addWidget(live_split, 1)
        ll.addWidget(self.progress_panel)

        self.dataset_panel = DatasetPanel()
        self.compare = SnapshotCompare()
        self.compare.explore_requested.connect(self.explore_checkpoint)
        self.compare.error.connect(lambda text: self.show_message("warning", text))
        self.tabs = PageTabs()
        # Every page scrolls once the window is smaller than it: a page never grows the window.
        self.tabs.addTab(live, "Live")
        self.tabs.addTab(self.dataset_panel, "Dataset")  # a scroll area itself
        self.tabs.addTab(self.compare, "Snapshots")
        # The Explore tab imports torch (seconds): it is added once torch has loaded in the background.
        self.explore_tab: QWidget | None = None
        self.compare.set_explore_available(False)
        self.tabs.currentChanged.connect(self._on_tab)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.train_panel)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([380, 1020])
        self.split.setChildrenCollapsible(False)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.split)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(6, 6, 6, 0)
        cl.addWidget(self.message_bar)
        cl.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.state_label = QLabel()
        self.device_label = QLabel("Device: detecting…")
        self.memory_label = QLabel()
        self.memory_label.hide()
        sb = self.statusBar()
        sb.addPermanentWidget(self.memory_label)
        sb.addPermanentWidget(self.device_label)
        sb.addPermanentWidget(self.state_label)

    def _build_menus(self) -> None:
        def action(text: str, slot, shortcut=None, tip: str = "") -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.addAction(a)  # shortcuts work whichever view is showing
            return a

        file_menu = self.menuBar().addMenu("&File")
        self.open_action = action("&Open image folder…", self.choose_folder, QKeySequence.StandardKey.Open)
        self.open_run_action = action("Open &run…", self.choose_run, QKeySequence("Ctrl+Shift+O"))
        self.demo_action = action("Try the &demo data", self.open_demo)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.export_action = action("&Export samples…", self.export_dialog, QKeySequence("Ctrl+E"),
                                    "Save the sample grid on screen as a PNG")
        self.close_action = action("&Close project", self.close_project, QKeySequence("Ctrl+W"))
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        for a in (self.open_action, self.open_run_action, self.demo_action):
            file_menu.addAction(a)
        file_menu.insertMenu(self.demo_action, self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        train_menu = self.menuBar().addMenu("&Training")
        self.start_action = action("&Start", self.start_or_toggle, QKeySequence("Ctrl+Return"))
        self.pause_action = action("&Pause / resume", self.toggle_pause, QKeySequence(Qt.Key.Key_Space))
        self.stop_action = action("S&top and save", self.stop_training, QKeySequence("Ctrl+."))
        for a in (self.start_action, self.pause_action, self.stop_action):
            train_menu.addAction(a)
        train_menu.addSeparator()
        self.source_action = action("Start from an &existing run…", self.choose_source_run,
                                    tip="Fine-tune another run's networks on this folder")
        train_menu.addAction(self.source_action)
        view_menu = self.menuBar().addMenu("&View")
        self.enlarge_action = action("&Enlarge samples", self.grid.enlarge, QKeySequence("F"))
        view_menu.addAction(self.enlarge_action)
        for i, name in enumerate(("&Live", "&Dataset", "S&napshots")):
            view_menu.addAction(action(name, lambda _c=False, k=i: self.tabs.setCurrentIndex(k),
                                       QKeySequence(f"Ctrl+{i + 1}")))
        self.view_menu = view_menu
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = action("&Guide", self.show_guide, QKeySequence.StandardKey.HelpContents,
                                   "The three steps, the tabs and the shortcuts")
        self.about_action = action("&About GAN Studio", self.show_about,
                                   tip="Versions of GAN Studio, PyTorch, CUDA and Qt")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)

    # ================================================================== settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.fit_to_screen()
        split = self.settings.value("window/split")
        if split is not None:
            self.split.restoreState(split)
        unit = self.settings.value("train/length_unit")
        if unit:
            i = self.train_panel.length_unit.findData(unit)
            if i >= 0:
                self.train_panel.length_unit.setCurrentIndex(i)
        self._update_recent()

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/split", self.split.saveState())
        self.settings.setValue("train/length_unit", self.train_panel.length_unit.currentData())
        self.settings.sync()

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        p = str(path)
        items = [p] + [r for r in self.recent() if r != p]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self._update_recent()

    def _update_recent(self) -> None:
        items = self.recent()
        self.welcome.set_recent(items)
        self.recent_menu.clear()
        for p in items:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _c=False, path=p: self.open_path(path))
        self.recent_menu.setEnabled(bool(items))

    def fit_to_screen(self) -> None:
        """Keep the whole window, frame included, on the screen's available area: a saved geometry from a
        larger screen (or an older version that let the window grow) is shrunk and moved back in."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        avail = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        w = max(self.minimumWidth(), min(inner.width(), avail.width() - extra_w))
        h = max(self.minimumHeight(), min(inner.height(), avail.height() - extra_h))
        if (w, h) != (inner.width(), inner.height()):
            self.resize(w, h)
        target = QRect(frame.topLeft(), QSize(w + extra_w, h + extra_h))
        x = min(max(target.left(), avail.left()), max(avail.left(), avail.right() + 1 - target.width()))
        y = min(max(target.top(), avail.top()), max(avail.top(), avail.bottom() + 1 - target.height()))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._fitted:  # the frame's size is known once shown
            self._fitted = True
            QTimer.singleShot(0, self.fit_to_screen)

    # ================================================================== state
    def set_state(self, state: str) -> None:
        self.state = state
        self.train_panel.set_state(state)
        self.state_label.setText(STATE_TEXT[state])
        self.start_action.setEnabled(state in ("idle", "training", "paused"))
        self.pause_action.setEnabled(state in ("training", "paused"))
        self.stop_action.setEnabled(state in ("loading", "training", "paused"))
        self.source_action.setEnabled(state == "idle")
        self.export_action.setEnabled(not self.grid.image.isNull())
        if state == "idle":
            self._estimate_timer.start()
        else:
            self._estimate_timer.stop()
            self.train_panel.set_estimate("")
            if self.estimate_worker is not None:
                self.estimate_worker.requestInterruption()  # its steps would compete with the run

    # ================================================================== estimate before Start
    def update_estimate(self) -> None:
        """Measure (or recall) how fast the form's model trains here, then show what to expect."""
        if not self.estimates or self.state != "idle" or self.dataset is None:
            return
        if self.estimate_worker is not None:  # one at a time; the newest settings win
            self._estimate_again = True
            self.estimate_worker.requestInterruption()
            return
        tp = self.train_panel
        worker = SpeedWorker(tp.model.currentData(), int(tp.resolution.currentData()), tp.device.currentData(),
                             self.speed_seconds, self.cache, parent=self)
        worker.measuring.connect(lambda what: tp.set_estimate(f"Measuring how fast this trains on {what}…"))
        worker.measured.connect(self._on_estimate_speed)
        worker.failed.connect(lambda text: tp.set_estimate(f"No estimate: {text}"))
        worker.finished.connect(self._on_estimate_finished)
        self.estimate_worker = worker
        worker.start()

    def _on_estimate_speed(self, _device: str, _model: str, _resolution: int, images_per_second: float,
                           _kimg: float) -> None:
        from studio.core.errors import StudioError
        from studio.core.training.estimate import describe_for

        if self.state != "idle" or self.dataset is None or self.project is None or self._estimate_again:
            return
        try:
            cfg = self.train_panel.config(str(self.project.data))
            cfg.validate()
        except StudioError:
            return
        device = self.train_panel.device.currentData()
        device_type = "cpu" if device == "cpu" or not self.gpu else "cuda"
        self.train_panel.set_estimate(describe_for(cfg, len(self.dataset.folder), device_type, images_per_second))

    def _on_estimate_finished(self) -> None:
        worker, self.estimate_worker = self.estimate_worker, None
        if worker is not None:
            worker.deleteLater()
        if self._estimate_again:
            self._estimate_again = False
            self._estimate_timer.start()

    def show_message(self, level: str, text: str) -> None:
        self.message_bar.show_message(level, text)
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 8000)

    def _probe_devices(self) -> None:
        self.probe = DeviceProbe(self)
        self.probe.found.connect(self._on_devices)
        self.probe.start()

    def _on_devices(self, auto_name: str, extra: list, gpu: bool) -> None:
        self.gpu = gpu
        self._add_explore_tab()
        self.train_panel.set_devices(auto_name, [tuple(e) for e in extra])
        if self.state not in ("training", "paused", "stopping", "loading"):
            self.device_label.setText(f"Device: {auto_name}")
        self.welcome.set_device(auto_name, gpu)
        self.estimate_speed(gpu)

    def estimate_speed(self, gpu: bool) -> None:
        """Tell the welcome view how fast the suggested model trains here (Style-based on a GPU, Quick on a
        CPU, as `TrainPanel.suggest_defaults` picks): cached, or measured in a thread for a few seconds.
        Only on the welcome view: with a folder open, the measurement would compete with its reading."""
        if self.state != "empty" or self.speed_worker is not None:
            return
        worker = SpeedWorker("style" if gpu else "dcgan", self.speed_resolution, "auto", self.speed_seconds,
                             self.cache, parent=self)
        worker.measuring.connect(self.welcome.set_measuring)
        worker.measured.connect(self.welcome.set_speed)
        worker.failed.connect(self.welcome.set_speed_failed)
        worker.finished.connect(self._on_speed_finished)
        self.speed_worker = worker
        worker.start()

    def _on_speed_finished(self) -> None:
        worker, self.speed_worker = self.speed_worker, None
        if worker is not None:
            worker.deleteLater()

    # ================================================================== help
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

    # ================================================================== opening things
    def choose_folder(self) -> None:
        start = self.settings.value("last_dir", str(Path.home()))
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images", start)
        if path:
            self.settings.setValue("last_dir", str(Path(path).parent))
            self.open_folder(Path(path))

    def choose_run(self) -> None:
        start = str(self.home / "runs") if (self.home / "runs").is_dir() else str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Open a run folder", start)
        if path:
            self.open_run(Path(path))

    def open_demo(self) -> None:
        from studio.core.demo import write_demo_data

        folder = self.home / "demo-64"
        self.statusBar().showMessage("Writing the demo images…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write_demo_data(folder, count=512, size=64)
        except OSError as e:
            self.show_message("error", f"Could not write the demo images to {folder}: {e.strerror or e}.")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.open_folder(folder)

    def open_path(self, path: str | Path) -> None:
        p = Path(path).expanduser()
        if not p.exists():
            self.show_message("error", f"{p} does not exist.")
            return
        if p.is_file() and p.suffix.lower() == ".safetensors":
            self._pending_explore = str(p)  # a checkpoint: straight to the explorer (once it is there)
            if self.explore_tab is not None:
                self._open_pending_explore()
            return
        if not p.is_dir():
            self.show_message("error", f"{p} is a file. Open a folder of images, a run folder or a checkpoint.")
            return
        if (p / "config.json").is_file():
            self.open_run(p)
        else:
            self.open_folder(p)

    def _busy(self) -> bool:
        if self.worker is not None:
            self.show_message("warning", "Training is running: stop it before opening something else.")
            return True
        return False

    def _close_current(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower.deleteLater()
            self.follower = None
        if self.loader is not None and self.loader.isRunning():
            self.loader.requestInterruption()
        self.loader = None
        self.dataset = None
        self.loss_plot.clear()
        self.grid.clear()
        self.compare.clear_views()
        self.live_image = QImage()
        self.frames = []
        self.timelapse.set_frames([])
        self.compare.set_checkpoints([])
        self.progress_panel.reset()
        self.train_panel.set_resumable(False)
        self.train_panel.set_blocker("")
        self.train_panel.run_folder.clear()
        self.memory_label.hide()
        if self.speed_worker is not None:
            self.speed_worker.requestInterruption()  # its training steps would slow the folder's reading

    def close_project(self) -> None:
        if self._busy():
            return
        self._close_current()
        self.project = None
        self.stack.setCurrentWidget(self.welcome)
        self.setWindowTitle("GAN Studio")
        self.set_state("empty")

    def open_folder(self, folder: Path) -> None:
        if self._busy():
            return
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.show_message("error", f"{folder} is not a folder.")
            return
        previous = self.project
        self._close_current()
        if previous is not None and previous.data != folder.resolve():
            self.train_panel.reset_form()  # nothing of the last folder's settings leaks into this one
            self._suggested_for = None
        self.project = Project(data=folder.resolve())
        self._remember(self.project.data)
        self.setWindowTitle(f"GAN Studio — {folder.name}")
        self.stack.setCurrentWidget(self.split)
        self.tabs.setCurrentWidget(self.dataset_panel)
        self.set_state("idle")
        self._load_dataset()

    def open_run(self, path: Path) -> None:
        if self._busy():
            return
        from studio.core.errors import StudioError
        from studio.core.run import RunDir

        run = RunDir(Path(path).expanduser().resolve())
        try:
            cfg = run.read_config()
        except StudioError as e:
            self.show_message("error", str(e))
            return
        self._close_current()
        data = Path(cfg["data"]) if cfg.get("data") else None
        self.project = Project(data=data, run=run.path)
        self._remember(run.path)
        self.setWindowTitle(f"GAN Studio — run {run.path.name}")
        self.stack.setCurrentWidget(self.split)
        self.tabs.setCurrentIndex(0)
        self.train_panel.reset_form()
        self.train_panel.set_from_config(cfg)
        self._run_total_steps = _total_steps(cfg)
        self._augment_used = cfg.get("augment", "ada") != "none"
        self.train_panel.run_folder.setText(str(run.path))
        self.follower = RunFollower(run.path, parent=self)
        self.follower.records.connect(self._on_records)
        self.follower.snapshot.connect(self._on_follow_snapshot)
        self.follower.checkpoints_changed.connect(self._refresh_checkpoints)
        if run.is_being_written():
            self.follower.ended.connect(self._on_follow_ended)
            self.set_state("following")
            self.show_message("info", f"Another process is training {run.path.name}: following it live "
                                      "(curves and snapshots from its run folder).")
            self.follower.start()
        else:
            self.follower.poll()  # show what the run has so far, once
            self.set_state("idle")
            self.train_panel.set_resumable(run.latest_checkpoint() is not None)
        if data is not None and data.is_dir():
            self._load_dataset()
        elif data is not None:
            self.dataset_panel.set_failed(f"The run's image folder {data} is not there any more.")

    # ================================================================== dataset
    def _schedule_reload(self) -> None:
        if self.project is not None and self.project.data is not None and self.state == "idle":
            self._reload_timer.start()

    def _reload_dataset(self) -> None:
        if self.project is not None and self.project.data is not None and self.state == "idle":
            self._load_dataset()

    def _load_dataset(self) -> None:
        assert self.project is not None and self.project.data is not None
        if self.loader is not None and self.loader.isRunning():
            self.loader.requestInterruption()
        tp = self.train_panel
        self.dataset = None
        self.train_panel.set_blocker("")
        self.dataset_panel.set_folder(str(self.project.data))
        loader = DatasetLoader(self.project.data, int(tp.resolution.currentData()), tp.fit.currentData(),
                               tp.background.text().strip() or "#ffffff", tp.classes.isChecked(), self.cache, self)
        loader.progress.connect(self.dataset_panel.set_loading)
        loader.loaded.connect(lambda result, ldr=loader: self._on_dataset(ldr, result))
        loader.failed.connect(lambda text, ldr=loader: self._on_dataset_failed(ldr, text))
        loader.finished.connect(loader.deleteLater)
        self.loader = loader
        loader.start()

    def _on_dataset(self, loader: DatasetLoader, result: LoadedDataset) -> None:
        if loader is not self.loader:
            return  # an older request, superseded
        self.loader = None
        self.dataset = result
        report = result.report
        self.dataset_panel.set_report(report, result.thumbnails, result.augmented, result.augment_p)
        if (self.state == "idle" and self.project is not None and self.project.run is None
                and self._suggested_for != self.project.data):
            self._suggested_for = self.project.data
            sides = sorted(min(w, h) for w, h in report.sizes) or [64]
            before = self.train_panel.resolution.currentData()
            self.train_panel.resolution.blockSignals(True)
            self.train_panel.suggest_defaults(report.used, sides[len(sides) // 2], self.gpu)
            self.train_panel.resolution.blockSignals(False)
            if self.train_panel.resolution.currentData() != before:
                self._load_dataset()
                return
        if report.skipped:
            self.show_message("warning", f"{len(report.skipped)} file(s) could not be used; "
                                         "the Dataset tab lists each with its reason.")
        if self.state == "idle":
            self._estimate_timer.start()  # the folder's size decides the batch the estimate assumes
        if self.autostart and self.state == "idle":
            self.autostart = False
            if self.autostart_steps:
                self.train_panel.length_unit.setCurrentIndex(self.train_panel.length_unit.findData("steps"))
                self.train_panel.length.setValue(self.autostart_steps)
            self.start_training()

    def _on_dataset_failed(self, loader: DatasetLoader, text: str) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        self.dataset_panel.set_failed(text)
        self.train_panel.set_blocker(f"Cannot start. {text}")
        self.show_message("error", text)

    # ================================================================== training
    def start_or_toggle(self) -> None:
        if self.state == "idle":
            self.start_training()
        else:
            self.toggle_pause()

    def toggle_pause(self) -> None:
        if self.state == "training":
            self.pause_training()
        elif self.state == "paused":
            self.resume_training()

    def start_training(self) -> None:
        if self.state != "idle" or self.project is None or self.worker is not None:
            return
        if self.project.data is None:
            self.show_message("error", "This run does not say which image folder it was trained on.")
            return
        from studio.core.errors import StudioError

        if self.train_panel.blocked:
            self.show_message("error", self.train_panel.blocked)
            return
        resume = self.train_panel.resume_box.isChecked() and self.train_panel.resume_box.isEnabled()
        try:
            cfg = self.train_panel.config(str(self.project.data))
            cfg.validate()
        except StudioError as e:
            self.show_message("error", str(e))
            return
        if resume:
            run_dir = self.project.run
        elif self.train_panel.run_folder.text().strip() and not (
                self.project.run and Path(self.train_panel.run_folder.text().strip()) == self.project.run):
            run_dir = Path(self.train_panel.run_folder.text().strip()).expanduser()
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            run_dir = self.home / "runs" / f"{self.project.data.name}-{stamp}"
        dataset = None
        if self.dataset is not None:
            folder = self.dataset.folder
            if folder.config == cfg.data_config() and Path(folder.folder).resolve() == self.project.data:
                dataset = folder  # decoded once already: the trainer reuses it
        if not resume:
            self.loss_plot.clear()
            self.grid.clear()
            self.frames = []
            self.timelapse.set_frames([])
            self.compare.set_checkpoints([])
            if self.follower is not None:
                self.follower.stop()
                self.follower.deleteLater()
                self.follower = None
        self._augment_used = cfg.augment != "none"
        self.message_bar.hide()
        worker = TrainWorker(cfg, run_dir, resume=resume, dataset=dataset, parent=self)
        worker.loading.connect(self.progress_panel.set_loading)
        worker.dataset_ready.connect(self._on_train_dataset)
        worker.started_training.connect(self._on_started)
        worker.progress.connect(self._on_progress)
        worker.samples.connect(self._on_samples)
        worker.saved.connect(self._on_saved)
        worker.message.connect(self.show_message)
        worker.paused.connect(self._on_paused)
        worker.finished_training.connect(self._on_finished)
        worker.quality.connect(self._on_quality)
        worker.failed.connect(lambda text: self.show_message("error", text))
        worker.finished.connect(self._on_thread_finished)
        self.worker = worker
        self.project.run = Path(run_dir)
        self.train_panel.run_folder.setText(str(run_dir))
        self.set_state("loading")
        self.tabs.setCurrentIndex(0)
        self.progress_panel.set_text("starting…")
        worker.start()

    def pause_training(self) -> None:
        if self.worker is not None and self.state == "training":
            self.worker.pause()
            self.set_state("paused")

    def resume_training(self) -> None:
        if self.worker is not None and self.state == "paused":
            self.worker.resume()
            self.set_state("training")

    def stop_training(self) -> None:
        if self.worker is not None and self.state in ("loading", "training", "paused"):
            self.worker.stop()
            self.set_state("stopping")

    # ---------------------------------------------------------------- worker signals
    def _on_train_dataset(self, report) -> None:
        if self.dataset is None:
            self.dataset_panel.set_report(report)

    def _on_started(self, ev) -> None:
        if self.state == "loading":
            self.set_state("paused" if self.worker is not None and self.worker.is_paused else "training")
        self.device_label.setText(f"Device: {ev.device}")
        self._run_total_steps = ev.total_steps
        if self.project is not None and self.project.run is not None:
            self._remember(self.project.run)
        where = f"resumed from {Path(ev.resumed_from).name}" if ev.resumed_from else "started"
        self.statusBar().showMessage(f"Training {where}: {ev.dataset_size} images, {ev.batch_note or f'batch {ev.batch}'}", 5000)

    def _on_quality(self, ev) -> None:
        self.loss_plot.add_quality(ev.step, ev.kid, ev.fid, ev.density, ev.coverage)
        self.statusBar().showMessage(f"Quality at {ev.kimg:.1f} kimg: " + self.loss_plot.quality_text(), 8000)

    def _on_progress(self, ev) -> None:
        self.loss_plot.add_point(ev.step, ev.losses, ev.augment_p if self._augment_used else None)
        self._pending_progress = ev  # shown by the refresh timer, in the same repaint as the curves

    def _refresh_views(self) -> None:
        self.loss_plot.flush()
        ev, self._pending_progress = self._pending_progress, None
        if ev is None or self.state not in ("training", "paused", "stopping"):
            return
        self.progress_panel.set_progress(ev.step, ev.kimg, ev.total_kimg, ev.images_per_second, ev.elapsed, ev.eta,
                                         ev.fraction, ev.resolution, ev.alpha)
        if ev.gpu_memory_mb is not None:
            self.memory_label.setText(f"GPU memory: {ev.gpu_memory_mb:,.0f} MB")
            self.memory_label.show()

    def _on_samples(self, image: QImage, step: int, kimg: float) -> None:
        self.live_image = image
        self.live_caption = f"step {step} · {kimg:.2f} kimg"
        if self.timelapse.live:
            self.grid.set_image(image, self.live_caption)
        self.export_action.setEnabled(True)

    def _on_saved(self, kind: str, step: int, path: str) -> None:
        if kind == "snapshot":
            self.frames = [f for f in self.frames if f[0] != step] + [(step, path)]
            self.timelapse.set_frames(self.frames)
        else:
            self._refresh_checkpoints()

    def _on_paused(self, step: int) -> None:
        if self.state == "paused":
            self.progress_panel.bar.setFormat(f"paused at step {step}")

    def _on_finished(self, ev) -> None:
        if self._shut:
            return  # delivered after the window closed; the run is saved already
        self._pending_progress = None
        how = {"completed": "finished", "stopped": "stopped",
               "diverged": "stopped because the losses diverged"}.get(ev.reason, ev.reason)
        text = f"Training {how} at step {ev.step} ({ev.kimg:.2f} kimg). Checkpoint saved: {ev.checkpoint}"
        self.show_message("warning" if ev.reason == "diverged" else "info", text)
        if ev.reason == "completed":
            self.progress_panel.set_ended(f"done · step {ev.step}", 1.0, ev.kimg)
        else:
            self.progress_panel.set_ended(f"{how} · step {ev.step}", max(0, self.progress_panel.bar.value()) / 1000,
                                          ev.kimg)
        self._notify("GAN Studio", text)
        if ev.checkpoint and self.explore_tab is not None and self.explore_on_finish:
            self.explore_checkpoint(ev.checkpoint, switch=False)

    def _on_thread_finished(self) -> None:
        worker = self.worker
        self.worker = None
        if worker is not None:
            worker.deleteLater()
        self.set_state("idle" if self.project is not None else "empty")
        if self.project is not None and self.project.run is not None:
            from studio.core.run import RunDir

            self.train_panel.set_resumable(RunDir(self.project.run).latest_checkpoint() is not None)
        if self._closing and not self._shut:
            self.close()

    def _notify(self, title: str, text: str) -> None:
        QApplication.alert(self)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon() if not self.windowIcon().isNull() else QIcon(), self)
            self._tray.show()
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    # ---------------------------------------------------------------- follow mode / opened runs
    def _on_records(self, records: list) -> None:
        self.loss_plot.add_records(records)
        losses = [r for r in records if "kid" not in r]  # quality records carry no speed or time
        if not losses:
            return
        last = losses[-1]
        step = int(last.get("step", 0))
        fraction = step / self._run_total_steps if self._run_total_steps else None
        kimg = float(last.get("kimg", 0.0))
        if self.state != "following":  # a run nobody trains: where it stopped, never a busy bar
            ended = "done" if fraction is not None and fraction >= 0.999 else "stopped"
            self.progress_panel.set_ended(f"{ended} · step {step}", fraction, kimg)
            self.progress_panel.elapsed.setText(format_duration(float(last.get("time", 0.0))))
            return
        self.progress_panel.set_progress(step, kimg, None, float(last.get("images_per_second", 0.0)),
                                         float(last.get("time", 0.0)), None, fraction, last.get("resolution"),
                                         last.get("alpha"))

    def _on_follow_snapshot(self, step: int, path: str) -> None:
        from studio.core.run import RunDir

        if self.project is None or self.project.run is None:
            return
        self.frames = [(s, str(p)) for s, p in RunDir(self.project.run).snapshots()]
        self.timelapse.set_frames(self.frames)
        image = QImage(path)
        if not image.isNull():
            self.live_image = image
            self.live_caption = f"snapshot at step {step}"
            if self.timelapse.live:
                self.grid.set_image(image, self.live_caption)
            self.export_action.setEnabled(True)

    def _on_follow_ended(self) -> None:
        self.set_state("idle")
        self.show_message("info", "The process writing this run has finished. You can resume training it here.")
        if self.project is not None and self.project.run is not None:
            from studio.core.run import RunDir

            self.train_panel.set_resumable(RunDir(self.project.run).latest_checkpoint() is not None)

    def _refresh_checkpoints(self) -> None:
        from studio.core.run import RunDir

        if self.project is None or self.project.run is None:
            return
        self.compare.set_checkpoints([(s, str(p)) for s, p in RunDir(self.project.run).checkpoints()])

    # ---------------------------------------------------------------- samples view
    def _show_frame(self, step: int, path: str) -> None:
        image = QImage(path)
        if image.isNull():
            self.show_message("warning", f"The snapshot {path} cannot be read.")
            return
        self.grid.set_image(image, f"snapshot at step {step}")

    def _show_live(self) -> None:
        if not self.live_image.isNull():
            self.grid.set_image(self.live_image, self.live_caption)

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.compare:
            self._refresh_checkpoints()
            if self.compare.is_empty and self.compare.checkpoints:
                self.compare.compare()  # show something at once: oldest against newest

    # ---------------------------------------------------------------- fine-tuning
    def choose_source_run(self) -> None:
        if self.state != "idle":
            return
        start = str(self.home / "runs") if (self.home / "runs").is_dir() else str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Start from which run?", start)
        if path:
            self.start_from_run(Path(path))

    def start_from_run(self, path: Path) -> bool:
        """Fine-tune from the run (or checkpoint) at `path`: the training panel shows it and matches its model."""
        from studio.core.errors import StudioError
        from studio.core.training.finetune import find_source

        try:
            source = find_source(path)
        except StudioError as e:
            self.show_message("error", str(e))
            return False
        self.train_panel.set_source(source)
        self.statusBar().showMessage(f"Training will start from {source.describe()}", 8000)
        return True

    def explore_checkpoint(self, path: str, switch: bool = True) -> None:
        if self.explore_tab is None:
            self.show_message("info", "The explorer is not part of this build.")
            return
        self.explore_tab.open_checkpoint(str(path))
        if switch:
            self.tabs.setCurrentWidget(self.explore_tab)

    # ---------------------------------------------------------------- export
    def export_dialog(self) -> None:
        if self.grid.image.isNull():
            self.show_message("info", "There are no samples to export yet.")
            return
        start = str(Path(self.settings.value("export_dir", str(Path.home()))) / "samples.png")
        # No "replace?" question: exports never overwrite, an existing name gets a number (export_samples).
        path, _ = QFileDialog.getSaveFileName(self, "Export samples", start, "PNG image (*.png)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.settings.setValue("export_dir", str(Path(path).parent))
            self.export_samples(Path(path))

    def export_samples(self, path: Path) -> bool:
        """The shown grid as a PNG through the core's Exporter: written to a temporary, fsynced, then given
        the name (or name-2.png...: never overwriting); a full or unwritable disk is a message."""
        from PySide6.QtCore import QBuffer, QIODevice

        from studio.core.errors import StudioError
        from studio.core.export import Exporter

        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.grid.image.save(buffer, "PNG"):
            self.show_message("error", "The samples could not be encoded as PNG.")
            return False
        try:
            saved = Exporter(path.parent).save_bytes(bytes(buffer.data()), path.name)
        except StudioError as e:
            self.show_message("error", str(e))
            return False
        self.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    # ================================================================== drag and drop, closing
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).is_dir():
            event.acceptProposedAction()
        else:
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
        worker = self.worker
        if worker is not None and worker.isRunning():
            if not self._closing and not self.confirm_stop():
                event.ignore()
                return
            self._closing = True
            worker.stop()
            self.set_state("stopping")
            # The loop ends after its current step and saves a checkpoint; wait for it here.
            if not worker.wait(STOP_WAIT_MS):
                event.ignore()  # still saving: the window closes when the thread ends
                return
        self._shutdown()
        event.accept()

    def _shutdown(self) -> None:
        self._shut = True
        self._save_settings()
        self._refresh.stop()
        if self.follower is not None:
            self.follower.stop()
        self.compare.shutdown()
        if self.explore_tab is not None:
            self.explore_tab.shutdown()  # stops its render thread
        # Every helper thread of ours is a child of the window: ask each to finish, then wait for it.
        threads = [t for t in self.findChildren(StudioThread) if t.isRunning()]
        for thread in threads:
            thread.requestInterruption()
        for thread in threads:
            thread.wait()
        if self.worker is not None:
            self.worker.wait()
        if self._tray is not None:
            self._tray.hide()


def _total_steps(cfg: dict) -> int | None:
    if cfg.get("steps"):
        return int(cfg["steps"])
    if cfg.get("kimg") and cfg.get("batch"):
        return max(1, int(cfg["kimg"] * 1000 / cfg["batch"]))
    return None
