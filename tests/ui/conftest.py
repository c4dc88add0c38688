"""Fixtures for the window's tests: an isolated main window, tiny image folders, and a guard that
fails any test leaving a studio thread running or a top-level window open."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from pytestqt.exceptions import TimeoutError

from studio.ui.base.threads import running_threads, stop_and_wait
from tests.conftest import HANG_GUARD_MS


@pytest.fixture(scope="session", autouse=True)
def gui_thread_garbage_collection(qapp):
    """As the app does (studio/app.py): cycles are collected in the GUI thread, never in a worker."""
    from studio.ui.base.threads import collect_garbage_in_gui_thread

    collect_garbage_in_gui_thread()


@pytest.fixture(autouse=True)
def no_dangling(qapp, qtbot):
    """napari's `_dangling_qthreads` idea: threads and windows must not outlive their test. pytest-qt
    processes events once more after this teardown, so a timer of a closed window can still start a
    thread then: the next test finds it at its setup (and the session's end, below, after the last)."""
    leaked = _stop_all(running_threads())
    assert not leaked, f"a thread started after the previous test had ended (a closed window's timer?): {leaked}"
    yield
    try:
        qtbot.waitUntil(lambda: not running_threads(), timeout=HANG_GUARD_MS)
    except (AssertionError, TimeoutError):
        pass  # reported below, with the threads' names
    threads = _stop_all(running_threads())
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in windows:
        w.close()
    assert not threads, f"test left threads running: {threads}"
    assert not windows, f"test left windows open: {[type(w).__name__ for w in windows]}"


def _stop_all(threads: list) -> list[str]:
    """Ask each thread or pool job to stop and wait for it; their names, for the failure message."""
    return stop_and_wait(threads, 10_000)


def pytest_sessionfinish(session, exitstatus):
    """A studio thread still running when Python exits aborts the process ('QThread: Destroyed while
    thread is still running') after a green summary; stop it and fail the session by name instead."""
    leaked = _stop_all(running_threads())
    if leaked:
        print(f"\nA studio thread was still running after the last test: {leaked}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def make_window(qtbot, tmp_path: Path):
    """Build MainWindows with their own settings file, runs folder and cache; closed at teardown."""
    from studio.ui.main_window import MainWindow

    made: list[MainWindow] = []
    settings_path = tmp_path / "settings.ini"

    def make(show: bool = True) -> MainWindow:
        settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
        w = MainWindow(home=tmp_path / "home", cache=tmp_path / "cache", settings=settings, probe_devices=False)
        w.confirm_stop = lambda: True
        made.append(w)
        if show:
            w.show()
            qtbot.waitExposed(w)
        return w

    yield make
    for w in made:
        if w.isVisible():
            w.close()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def tiny_images(tmp_path: Path) -> Path:
    """24 generated 16 px images."""
    from studio.core.demo import write_demo_data

    return write_demo_data(tmp_path / "tiny", count=24, size=16)


def event(kind: type, when=None):
    """A `check_params_cb` for the training job's `yielded`: an event of `kind` (for which `when` holds)."""
    return lambda ev: isinstance(ev, kind) and (when is None or when(ev))


def tiny_settings(window, steps: int | None = None) -> None:
    """The smallest useful training: DCGAN, the shape's smallest size (16 px square, 24×16 at 3:2), batch 4,
    width 16."""
    tp = window.views.train_panel
    tp.model.setCurrentIndex(tp.model.findData("dcgan"))
    tp.resolution.setCurrentIndex(0)
    tp.batch.setValue(4)
    tp.width.setValue(16)
    tp.augment.setCurrentIndex(tp.augment.findData("ada"))
    tp.length_unit.setCurrentIndex(tp.length_unit.findData("steps"))
    tp.length.setValue(steps or 1_000_000)
    tp.snapshot_minutes.setValue(0.05)
    tp.device.setCurrentIndex(tp.device.findData("cpu"))


def open_tiny(qtbot, window, folder: Path) -> None:
    tiny_settings(window)
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.dataset is not None, timeout=20_000)
    tiny_settings(window)  # the folder's suggested defaults replaced some of them
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None, timeout=20_000)


def open_explore_tab(qtbot, run: Path, cache: Path, size: tuple[int, int]):
    """An ExploreTab shown at `size` with `run`'s checkpoint open and its first picture rendered; yields it,
    then shuts it down and forgets the canvas it saved, so the next test starts from the default canvas."""
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(cache))
    qtbot.addWidget(t)
    t.resize(*size)
    t.show()
    qtbot.waitExposed(t)
    with qtbot.waitSignal(t.checkpoint_opened, timeout=HANG_GUARD_MS):
        t.open_checkpoint(str(run))
    qtbot.waitUntil(lambda: t._shown >= t._latest and not t.ui.view.image.isNull(), timeout=HANG_GUARD_MS)
    yield t
    t.shutdown()
    t.close()
    (run / "canvas.json").unlink(missing_ok=True)


def tiny_explore_run(factory: pytest.TempPathFactory, model: str, name: str):
    """A module fixture's run: a real tiny checkpoint of `model` (tests/core/test_explore.make_run), trained on
    one torch thread (the Explore tab's render thread gets the other); yields its folder."""
    import torch

    from tests.core.test_explore import make_run

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield make_run(model, factory.mktemp(name))
    torch.set_num_threads(n)


def style_mix(qtbot, tab, rows: str = "1,2", cols: str = "10,11"):
    """The Style mixer tool's grid for `rows` × `cols`, requested and shown; its panel."""
    m = tab.tools["mixer"].panel
    m.rows.setText(rows)
    m.cols.setText(cols)
    with qtbot.waitSignal(tab.worker.mix_ready, timeout=HANG_GUARD_MS):
        m.request()
    n = len(cols.split(",")) + 1
    qtbot.waitUntil(lambda: m.result is not None and m.result.cols == n, timeout=HANG_GUARD_MS)
    return m
