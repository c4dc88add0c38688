"""The window's menus and shortcuts. Actions are added to the window too, so their shortcuts work
whichever view is showing; `WindowPresenter.set_state` enables them from studio.ui.app_state's table.
`build_menus` returns them as one frozen `WindowActions`; nothing is set on the window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from studio.ui.window_layout import WindowViews


class MenuCommands(Protocol):
    """What the menus call (the MainWindow's commands)."""

    def choose_folder(self) -> None: ...
    def choose_run(self) -> None: ...
    def choose_file(self) -> None: ...
    def open_demo(self) -> None: ...
    def export_dialog(self) -> None: ...
    def close_project(self) -> None: ...
    def start_or_toggle(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def stop_training(self) -> None: ...
    def choose_source_run(self) -> None: ...
    def show_guide(self) -> None: ...
    def show_about(self) -> None: ...


@dataclass(frozen=True)
class WindowActions:
    """The window's actions and the menus that change while it runs (recent items, the Explore tab's)."""

    open_folder: QAction
    open_run: QAction
    open_file: QAction
    demo: QAction
    recent_menu: QMenu
    export: QAction
    close: QAction
    quit: QAction
    start: QAction
    pause: QAction
    stop: QAction
    source: QAction
    enlarge: QAction
    view_menu: QMenu
    guide: QAction
    about: QAction


def build_menus(window: QMainWindow, commands: MenuCommands, views: WindowViews) -> WindowActions:
    """The menu bar of `window`, its actions calling `commands` (and the views' own: enlarge, the tabs)."""

    def action(text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, window)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        window.addAction(a)  # shortcuts work whichever view is showing
        return a

    c = commands
    file_menu = window.menuBar().addMenu("&File")
    opens = (action("&Open image folder…", c.choose_folder, QKeySequence.StandardKey.Open),
             action("Open &run…", c.choose_run, QKeySequence("Ctrl+Shift+O")),
             action("Open &checkpoint or picture…", c.choose_file, QKeySequence("Ctrl+Alt+O"),
                    "A .safetensors checkpoint, or a PNG exported by the studio: its recipe opens in Explore"),
             action("Try the &demo data", c.open_demo))
    recent_menu = file_menu.addMenu("Open &recent")
    export = action("&Export samples…", c.export_dialog, QKeySequence("Ctrl+E"),
                    "Save the sample grid on screen as a PNG")
    close = action("&Close project", c.close_project, QKeySequence("Ctrl+W"))
    quit_ = action("&Quit", window.close, QKeySequence.StandardKey.Quit)
    for a in opens:
        file_menu.addAction(a)
    file_menu.insertMenu(opens[-1], recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(export)
    file_menu.addAction(close)
    file_menu.addSeparator()
    file_menu.addAction(quit_)

    train_menu = window.menuBar().addMenu("&Training")
    start = action("&Start", c.start_or_toggle, QKeySequence("Ctrl+Return"))
    pause = action("&Pause / resume", c.toggle_pause, QKeySequence(Qt.Key.Key_Space))
    stop = action("S&top and save", c.stop_training, QKeySequence("Ctrl+."))
    for a in (start, pause, stop):
        train_menu.addAction(a)
    train_menu.addSeparator()
    source = action("Start from an &existing run…", c.choose_source_run,
                    tip="Fine-tune another run's networks on this folder")
    train_menu.addAction(source)
    view_menu = window.menuBar().addMenu("&View")
    enlarge = action("&Enlarge samples", views.grid.enlarge, QKeySequence("F"))
    view_menu.addAction(enlarge)
    for i, name in enumerate(("&Live", "&Dataset", "S&napshots")):
        view_menu.addAction(action(name, lambda _c=False, k=i: views.tabs.setCurrentIndex(k),
                                   QKeySequence(f"Ctrl+{i + 1}")))
    help_menu = window.menuBar().addMenu("&Help")
    guide = action("&Guide", c.show_guide, QKeySequence.StandardKey.HelpContents,
                   "The three steps, the tabs and the shortcuts")
    about = action("&About GAN Studio", c.show_about, tip="Versions of GAN Studio, PyTorch, CUDA and Qt")
    help_menu.addAction(guide)
    help_menu.addAction(about)
    return WindowActions(open_folder=opens[0], open_run=opens[1], open_file=opens[2], demo=opens[3],
                         recent_menu=recent_menu, export=export, close=close, quit=quit_, start=start, pause=pause,
                         stop=stop, source=source, enlarge=enlarge, view_menu=view_menu, guide=guide, about=about)
