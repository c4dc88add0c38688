"""The Explore tab's place in the window. It imports torch (seconds), so it is added once torch has
loaded in the background; a checkpoint or picture opened before then waits for it. A build without the
explorer works without it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from studio.ui.project_controller import PICTURE_SUFFIXES
from studio.ui.window_layout import WindowViews
from studio.ui.window_presenter import WindowPresenter

if TYPE_CHECKING:
    from studio.ui.explore.tab import ExploreTab


class ExploreLink:
    """Implements studio.ui.views.Explorer for the controllers. The tab goes into `views.tabs` and its
    shortcut into `view_menu`; `show_checkpoint(info)` is told what a checkpoint opened on its own is;
    `export_folder()` / `set_export_folder(folder)` are the window's one export folder; `settings` the window's
    QSettings, where the tab's export dialog remembers its choices."""

    def __init__(self, window: QMainWindow, views: WindowViews, view_menu: QMenu, presenter: WindowPresenter,
                 cache: Path, export_folder: Callable[[], str], set_export_folder: Callable[[str], None],
                 show_checkpoint: Callable[[object], None], settings: QSettings | None = None) -> None:
        self.window, self.views, self.view_menu, self.presenter = window, views, view_menu, presenter
        self.settings = settings  # what the tab's export dialog remembers between launches
        self.cache, self.export_folder, self.set_export_folder = cache, export_folder, set_export_folder
        self.show_checkpoint = show_checkpoint
        self.tab: ExploreTab | None = None
        self.on_finish = True  # open a finished run in the Explore tab (its PCA takes CPU)
        self.missing = False  # this build has no explorer
        self._pending_path: Path | None = None
        self._pending_checkpoint: tuple[str, bool] | None = None
        views.compare.set_explore_available(False)
        views.compare.explore_requested.connect(self.explore_checkpoint)

    def add(self) -> None:
        """Add the explorer (studio.ui.explore, built alongside) when it is installed."""
        if self.tab is not None:
            return
        try:
            from studio.ui.explore.tab import ExploreTab
        except ImportError:
            self.missing = True
            return  # the window works without it
        tab = self.tab = ExploreTab(cache_dir=str(self.cache / "explore"), settings=self.settings)
        self.views.tabs.addTab(tab, "Explore")
        tab.message.connect(lambda text: self.presenter.note(text, 6000))
        tab.checkpoint_opened.connect(lambda _path: self.show_checkpoint(tab.info))
        tab.export_folder = self.export_folder()
        tab.export_folder_changed.connect(self.set_export_folder)
        self.views.compare.set_explore_available(True)
        a = QAction("E&xplore", self.window)
        a.setShortcut(QKeySequence("Ctrl+4"))
        a.triggered.connect(lambda: self.views.tabs.setCurrentWidget(tab))
        self.window.addAction(a)
        self.view_menu.addAction(a)
        if self._pending_checkpoint is not None:
            self.explore_checkpoint(*self._pending_checkpoint)
        if self._pending_path is not None:
            self.open_in_explore(self._pending_path)

    def open_in_explore(self, path: Path) -> None:
        """A checkpoint, or a picture exported by the studio (its recipe on the canvas), in the Explore tab."""
        self._pending_path = Path(path)
        if self.tab is None:
            return
        self._pending_path = None
        if self.presenter.on_welcome():
            self.presenter.show_project(path.name)
        if path.suffix.lower() in PICTURE_SUFFIXES:
            if self.tab.open_picture(str(path)):
                self.presenter.show_project(path.name)
                self.views.tabs.setCurrentWidget(self.tab)
            else:
                self.presenter.say("error", self.tab.status.text())
            return
        self.explore_checkpoint(str(path))

    def explore_checkpoint(self, path: str, switch: bool = True) -> None:
        """Open a checkpoint in Explore, and show the tab when `switch`."""
        self._pending_checkpoint = None
        if self.tab is None:
            if self.missing:
                self.presenter.say("info", "The explorer is not part of this build.")
            else:
                self._pending_checkpoint = (str(path), switch)
            return
        self.tab.open_checkpoint(str(path))
        if switch:
            self.views.tabs.setCurrentWidget(self.tab)

    def finished(self, checkpoint: str) -> None:
        """A run finished training here: its last checkpoint is ready in Explore (not shown)."""
        if self.tab is not None and self.on_finish:
            self.explore_checkpoint(checkpoint, switch=False)

    def folder_changed(self, folder: str) -> None:
        if self.tab is not None:
            self.tab.export_folder = str(folder)

    def shutdown(self) -> None:
        if self.tab is not None:
            self.tab.shutdown()  # stops its render thread
