"""The window without long training: welcome view, recent items, drag-and-drop, shortcuts, the dataset
panel's report, and readable messages (not crashes) for bad folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from studio.core.training.events import Finished
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import event, open_tiny


def test_welcome_view_then_open_folder_shows_dataset_report(qtbot, window, tiny_images: Path):
    assert window.views.stack.currentWidget() is window.views.welcome
    assert window.state == "empty" and not window.views.train_panel.start_button.isEnabled()
    (tiny_images / "notes.png").write_text("not really a png")
    (tiny_images / "copy.png").write_bytes((tiny_images / "demo-00000.png").read_bytes())
    open_tiny(qtbot, window, tiny_images)
    assert window.views.stack.currentWidget() is window.views.split
    panel = window.views.dataset_panel
    assert panel.count.text().startswith("25 used of 26")
    assert "1 exact duplicate" in panel.duplicates.text()
    assert panel.skipped.rowCount() == 1 and panel.skipped.item(0, 0).text() == "notes.png"
    assert "skipped" in panel.skipped_box.title().lower() or "Skipped" in panel.skipped_box.title()
    assert not panel.thumbnails.image.isNull() and not panel.augmented.image.isNull()
    assert "16" in panel.sizes.text()
    assert window.views.message_bar.level == "warning"  # the skipped file is mentioned
    assert window.state == "idle" and window.views.train_panel.start_button.isEnabled()


def test_bad_folders_show_a_message_and_the_window_stays_usable(qtbot, window, tmp_path: Path, tiny_images: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no images here")
    window.open_folder(empty)
    bar = window.views.message_bar
    qtbot.waitUntil(lambda: bar.isVisible() and bar.level == "error", timeout=20_000)
    assert "No images found" in window.views.message_bar.text
    # Starting anyway fails in the worker with the same sentence, shown in the window.
    window.views.train_panel.length_unit.setCurrentIndex(window.views.train_panel.length_unit.findData("steps"))
    window.start_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=20_000)
    assert window.views.message_bar.level == "error" and "No images found" in window.views.message_bar.text
    assert window.state == "idle"

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    window.open_folder(broken)
    qtbot.waitUntil(lambda: "could be read" in window.views.message_bar.text, timeout=20_000)

    window.open_path(tmp_path / "missing")
    assert "does not exist" in window.views.message_bar.text
    (tmp_path / "file.txt").write_bytes(b"x")
    window.open_path(tmp_path / "file.txt")
    assert "is a file" in window.views.message_bar.text
    (tmp_path / "file.png").write_bytes(b"x")  # a PNG opens in Explore when the studio made it
    window.open_path(tmp_path / "file.png")
    assert window.views.message_bar.level == "error" and "file.png" in window.views.message_bar.text.splitlines()[-1]
    bad_run = tmp_path / "bad-run"
    bad_run.mkdir()
    (bad_run / "config.json").write_text("{ not json")
    window.open_path(bad_run)
    assert "config.json cannot be read" in window.views.message_bar.text

    open_tiny(qtbot, window, tiny_images)  # still usable
    assert window.views.dataset_panel.count.text().startswith("24 used")


def test_recent_items_and_settings_persist(qtbot, make_window, tiny_images: Path):
    first = make_window()
    first.open_folder(tiny_images)
    qtbot.waitUntil(lambda: first.dataset is not None, timeout=20_000)
    first.views.train_panel.length_unit.setCurrentIndex(first.views.train_panel.length_unit.findData("kimg"))
    first.close()
    second = make_window()
    assert second.recent()[0] == str(tiny_images.resolve())
    assert second.views.welcome.recent.count() == 1
    assert second.menu_actions.recent_menu.actions()[0].text() == str(tiny_images.resolve())
    assert second.views.train_panel.length_unit.currentData() == "kimg"
    item = second.views.welcome.recent.item(0)
    second.views.welcome.recent.itemActivated.emit(item)
    assert second.project is not None and second.project.data == tiny_images.resolve()
    qtbot.waitUntil(lambda: second.dataset is not None, timeout=20_000)


# PySide6 flags QDragEnterEvent's only public constructor as deprecated; Qt's own drags use it too.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dropping_a_folder_opens_it(qtbot, window, tiny_images: Path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tiny_images))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.project is not None and window.project.data == tiny_images.resolve()
    qtbot.waitUntil(lambda: window.dataset is not None, timeout=20_000)


def test_shortcuts_are_bound(window):
    assert window.menu_actions.open_folder.shortcut().toString() == "Ctrl+O"
    assert window.menu_actions.export.shortcut().toString() == "Ctrl+E"
    assert window.menu_actions.start.shortcut().toString() == "Ctrl+Return"
    assert window.menu_actions.pause.shortcut().toString() == "Space"


def test_demo_data_is_written_once_and_opened(qtbot, window):
    window.open_demo()
    folder = window.home / "demo-64"
    written = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png")}
    assert len(written) == 512
    qtbot.waitUntil(lambda: window.dataset is not None, timeout=30_000)
    assert window.views.dataset_panel.count.text().startswith("512 used")
    # The suggestion: the most pixels (up to the images' 64) recognisable within its minutes on this device.
    res = window.views.train_panel.resolution.currentData()
    assert res in (32, 64) and f"at {res} px" in window.views.train_panel.hint.text()
    first = folder / "demo-00000.png"
    os.utime(first, ns=(1, 1))  # a mark that a rewrite would wipe out
    written[first.name] = 1
    window.open_demo()  # a second time: the files are there already and are not written again
    qtbot.waitUntil(lambda: window.dataset is not None, timeout=30_000)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png")} == written


def test_start_flag_trains_once_the_folder_is_read(qtbot, window, tiny_images: Path):
    """`studio FOLDER --start --steps N`: what the command line sets on the window."""
    from studio.app import build_parser
    from tests.ui.conftest import tiny_settings

    args = build_parser().parse_args([str(tiny_images), "--start", "--steps", "5"])
    assert args.path == str(tiny_images) and args.start and args.steps == 5
    tiny_settings(window)
    window.autostart, window.autostart_steps = True, args.steps
    window.projects.suggested_for = tiny_images.resolve()  # keep the tiny settings, as a second open would
    window.open_path(args.path)
    qtbot.waitUntil(lambda: window.worker is not None, timeout=20_000)
    with qtbot.waitSignal(window.worker.yielded, timeout=30_000, check_params_cb=event(Finished)) as blocker:
        pass
    assert blocker.args[0].reason == "completed" and blocker.args[0].step == 5
    qtbot.waitUntil(lambda: window.worker is None, timeout=HANG_GUARD_MS)


def test_a_closed_window_starts_no_thread(qtbot, window, tiny_images: Path, monkeypatch):
    """CI aborted after every test had passed ('QThread: Destroyed while thread is still running'): a form
    change just before closing re-read the folder 300 ms after the window had closed (the debounced reload),
    and the pending estimate would have trained for seconds. Closing cancels both."""
    from studio.ui.base.jobs import Job

    open_tiny(qtbot, window, tiny_images)
    window.estimates = True
    started: list[str] = []

    def counted(real):
        def start(self, *args):
            started.append(self.name)
            return real(self, *args)
        return start

    monkeypatch.setattr(Job, "start", counted(Job.start))  # the real jobs still run: each start is only counted
    tp = window.views.train_panel
    tp.resolution.setCurrentIndex((tp.resolution.currentIndex() + 1) % tp.resolution.count())
    window.close()
    qtbot.wait(1_000)  # past both debounces (300 and 400 ms)
    assert started == []


def test_recent_lists_neither_folders_that_failed_nor_paths_that_are_gone(qtbot, make_window, tiny_images: Path,
                                                                          tmp_path: Path):
    """Issue 27 item 9: a folder with no picture in it fails to open and stays out of Recent; a folder opened
    fine and deleted since is not offered either (the list keeps what exists)."""
    import shutil

    empty = tmp_path / "only-text"
    empty.mkdir()
    (empty / "notes.txt").write_text("no pictures here")
    gone = tmp_path / "gone"
    shutil.copytree(tiny_images, gone)
    first = make_window()
    first.open_folder(gone)
    qtbot.waitUntil(lambda: first.dataset is not None, timeout=20_000)
    first.open_folder(empty)
    qtbot.waitUntil(lambda: first.loader is None and "No images found" in first.views.message_bar.text,
                    timeout=20_000)
    assert str(empty.resolve()) not in first.recent()
    first.open_folder(tiny_images)
    qtbot.waitUntil(lambda: first.dataset is not None, timeout=20_000)
    first.close()
    shutil.rmtree(gone)
    second = make_window()
    assert second.recent() == [str(tiny_images.resolve())]
    assert second.views.welcome.recent.count() == 1
    assert [a.text() for a in second.menu_actions.recent_menu.actions()] == [str(tiny_images.resolve())]
