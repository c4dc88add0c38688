"""The window's menus and shortcuts. Actions are added to the window too, so their shortcuts work
whichever view is showing; `MainWindow.set_state` enables them from studio.ui.app_state's table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow


def build_menus(w: QMainWindow) -> None:
    """Menus of the MainWindow `w`, whose slots they call; each action becomes an attribute of `w`."""

    def action(text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, w)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        w.addAction(a)  # shortcuts work whichever view is showing
        return a

    file_menu = w.menuBar().addMenu("&File")
    w.open_action = action("&Open image folder…", w.choose_folder, QKeySequence.StandardKey.Open)
    w.open_run_action = action("Open &run…", w.choose_run, QKeySequence("Ctrl+Shift+O"))
    w.open_file_action = action("Open &checkpoint or picture…", w.projects.choose_file, QKeySequence("Ctrl+Alt+O"),
                                "A .safetensors checkpoint, or a PNG exported by the studio: its recipe opens in "
                                "Explore")
    w.demo_action = action("Try the &demo data", w.open_demo)
    w.recent_menu = file_menu.addMenu("Open &recent")
    w.export_action = action("&Export samples…", w.export_dialog, QKeySequence("Ctrl+E"),
                             "Save the sample grid on screen as a PNG")
    w.close_action = action("&Close project", w.close_project, QKeySequence("Ctrl+W"))
    w.quit_action = action("&Quit", w.close, QKeySequence.StandardKey.Quit)
    for a in (w.open_action, w.open_run_action, w.open_file_action, w.demo_action):
        file_menu.addAction(a)
    file_menu.insertMenu(w.demo_action, w.recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(w.export_action)
    file_menu.addAction(w.close_action)
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)

    train_menu = w.menuBar().addMenu("&Training")
    w.start_action = action("&Start", w.training.start_or_toggle, QKeySequence("Ctrl+Return"))
    w.pause_action = action("&Pause / resume", w.toggle_pause, QKeySequence(Qt.Key.Key_Space))
    w.stop_action = action("S&top and save", w.stop_training, QKeySequence("Ctrl+."))
    for a in (w.start_action, w.pause_action, w.stop_action):
        train_menu.addAction(a)
    train_menu.addSeparator()
    w.source_action = action("Start from an &existing run…", w.projects.choose_source_run,
                             tip="Fine-tune another run's networks on this folder")
    train_menu.addAction(w.source_action)
    view_menu = w.menuBar().addMenu("&View")
    w.enlarge_action = action("&Enlarge samples", w.grid.enlarge, QKeySequence("F"))
    view_menu.addAction(w.enlarge_action)
    for i, name in enumerate(("&Live", "&Dataset", "S&napshots")):
        view_menu.addAction(action(name, lambda _c=False, k=i: w.tabs.setCurrentIndex(k),
                                   QKeySequence(f"Ctrl+{i + 1}")))
    w.view_menu = view_menu
    help_menu = w.menuBar().addMenu("&Help")
    w.guide_action = action("&Guide", w.show_guide, QKeySequence.StandardKey.HelpContents,
                            "The three steps, the tabs and the shortcuts")
    w.about_action = action("&About GAN Studio", w.show_about, tip="Versions of GAN Studio, PyTorch, CUDA and Qt")
    help_menu.addAction(w.guide_action)
    help_menu.addAction(w.about_action)
