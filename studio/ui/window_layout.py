"""Where the window's widgets go: the message strip over a stack of the welcome view and the project
view (the training panel beside the tabs), and the status bar's permanent labels. `build_layout` returns
them as one frozen `WindowViews`; nothing is set on the window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from studio.ui.widgets.dataset_panel import DatasetPanel
from studio.ui.widgets.live_tab import LiveTab
from studio.ui.widgets.loss_plot import LossPlot
from studio.ui.widgets.message_bar import MessageBar
from studio.ui.widgets.progress_panel import ProgressPanel
from studio.ui.widgets.sample_grid import SampleGrid
from studio.ui.widgets.scroll import PageTabs
from studio.ui.widgets.snapshot_compare import SnapshotCompare
from studio.ui.widgets.status_bar import StatusBar
from studio.ui.widgets.timelapse import Timelapse
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.widgets.welcome import WelcomeView


@dataclass(frozen=True)
class WindowViews:
    """The window's widgets. `grid`, `timelapse`, `loss_plot` and `progress_panel` are the Live tab's."""

    message_bar: MessageBar
    welcome: WelcomeView
    train_panel: TrainPanel
    live: LiveTab
    grid: SampleGrid
    timelapse: Timelapse
    loss_plot: LossPlot
    progress_panel: ProgressPanel
    dataset_panel: DatasetPanel
    compare: SnapshotCompare
    tabs: PageTabs
    split: QSplitter  # the training panel | the tabs
    stack: QStackedWidget  # the welcome view or the project view (`split`)
    state_label: QLabel
    device_label: QLabel
    memory_label: QLabel


def build_layout(window: QMainWindow) -> WindowViews:
    """The widgets of `window`, placed in it (its central widget and status bar)."""
    message_bar = MessageBar()
    welcome = WelcomeView()
    train_panel = TrainPanel()
    live = LiveTab()
    dataset_panel = DatasetPanel()
    compare = SnapshotCompare()
    tabs = PageTabs()
    # Every page scrolls once the window is smaller than it: a page never grows the window.
    tabs.addTab(live, "Live")
    tabs.addTab(dataset_panel, "Dataset")  # a scroll area itself
    tabs.addTab(compare, "Snapshots")

    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(train_panel)
    split.addWidget(tabs)
    split.setStretchFactor(1, 1)
    split.setSizes([380, 1020])
    split.setChildrenCollapsible(False)
    stack = QStackedWidget()
    stack.addWidget(welcome)
    stack.addWidget(split)
    central = QWidget()
    cl = QVBoxLayout(central)
    cl.setContentsMargins(6, 6, 6, 0)
    cl.addWidget(message_bar)
    cl.addWidget(stack, 1)
    window.setCentralWidget(central)

    state_label = QLabel()
    device_label = QLabel("Device: detecting…")
    memory_label = QLabel()
    memory_label.hide()
    window.setStatusBar(sb := StatusBar())  # its message stops short of "Device:"
    sb.addPermanentWidget(memory_label)
    sb.addPermanentWidget(device_label)
    sb.addPermanentWidget(state_label)
    return WindowViews(message_bar=message_bar, welcome=welcome, train_panel=train_panel, live=live, grid=live.grid,
                       timelapse=live.timelapse, loss_plot=live.loss_plot, progress_panel=live.progress_panel,
                       dataset_panel=dataset_panel, compare=compare, tabs=tabs, split=split, stack=stack,
                       state_label=state_label, device_label=device_label, memory_label=memory_label)
