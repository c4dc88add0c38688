"""Where the window's widgets go: the message strip over a stack of the welcome view and the project
view (the training panel beside the tabs), and the status bar's permanent labels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from studio.ui.widgets.dataset_panel import DatasetPanel
from studio.ui.widgets.live_tab import LiveTab
from studio.ui.widgets.message_bar import MessageBar
from studio.ui.widgets.scroll import PageTabs
from studio.ui.widgets.snapshot_compare import SnapshotCompare
from studio.ui.widgets.status_bar import StatusBar
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.widgets.welcome import WelcomeView


def build_layout(w: QMainWindow) -> None:
    """The widgets of the MainWindow `w`, each an attribute of it."""
    w.message_bar = MessageBar()
    w.welcome = WelcomeView()
    w.train_panel = TrainPanel()
    w.live = LiveTab()
    w.grid, w.timelapse = w.live.grid, w.live.timelapse
    w.loss_plot, w.progress_panel = w.live.loss_plot, w.live.progress_panel
    w.live_split = w.live.split
    w.dataset_panel = DatasetPanel()
    w.compare = SnapshotCompare()
    w.tabs = PageTabs()
    # Every page scrolls once the window is smaller than it: a page never grows the window.
    w.tabs.addTab(w.live, "Live")
    w.tabs.addTab(w.dataset_panel, "Dataset")  # a scroll area itself
    w.tabs.addTab(w.compare, "Snapshots")

    w.split = QSplitter(Qt.Orientation.Horizontal)
    w.split.addWidget(w.train_panel)
    w.split.addWidget(w.tabs)
    w.split.setStretchFactor(1, 1)
    w.split.setSizes([380, 1020])
    w.split.setChildrenCollapsible(False)
    w.stack = QStackedWidget()
    w.stack.addWidget(w.welcome)
    w.stack.addWidget(w.split)
    central = QWidget()
    cl = QVBoxLayout(central)
    cl.setContentsMargins(6, 6, 6, 0)
    cl.addWidget(w.message_bar)
    cl.addWidget(w.stack, 1)
    w.setCentralWidget(central)

    w.state_label = QLabel()
    w.device_label = QLabel("Device: detecting…")
    w.memory_label = QLabel()
    w.memory_label.hide()
    w.setStatusBar(sb := StatusBar())  # its message stops short of "Device:"
    sb.addPermanentWidget(w.memory_label)
    sb.addPermanentWidget(w.device_label)
    sb.addPermanentWidget(w.state_label)
