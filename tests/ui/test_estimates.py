"""What the window says to expect before Start (issue 27, item 5): one estimate per screen, from one speed — the
suggestion's sentence and the estimate below it say the same time, the suggested run is never "too short", the
suggestion is readable text, and a folder that cannot be read shows nothing of the last folder's speed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette

from studio.core.speed_probe import remember_run_speed
from studio.core.training.estimate import duration

TIME = r"about (\d[\d.]* (?:s|min|h|days))"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from studio.core.demo import write_demo_data

    return write_demo_data(tmp_path / "pictures", count=24, size=32)


def _cache_speed(window, resolution: int, images_per_second: float) -> None:
    """This machine "measured" `images_per_second` for the suggested model at `resolution` (the form's automatic
    batch and width): the window's probe reads it from the cache instead of training for seconds."""
    remember_run_speed("quickstyle", resolution, "cpu", images_per_second, 60.0, folder=window.estimator.cache)


def _open(qtbot, window, folder: Path) -> None:
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.dataset is not None or bool(window.views.train_panel.blocked), timeout=20_000)


def _estimate(qtbot, window) -> str:
    label = window.views.train_panel.estimate
    qtbot.waitUntil(lambda: "images/s" in label.text() and label.isVisible(), timeout=20_000)
    return label.text()


def test_the_suggestion_and_the_estimate_say_one_time_from_the_speed_measured_here(qtbot, window, folder):
    """The suggestion was made before this machine was measured ("on a typical CPU"); the measurement is slow. Then
    the suggestion says the estimate's time "here", its run is long enough, and neither says "too short"."""
    tp = window.views.train_panel
    _open(qtbot, window, folder)
    assert tp.hint.text().startswith("Suggested for")
    _cache_speed(window, int(tp.resolution.currentData()), 4.0)  # a slow, busy machine
    window.estimator.enabled = True
    window.estimator.update()
    estimate = _estimate(qtbot, window)
    hint = tp.hint.text()
    said = re.findall(TIME, hint)
    assert len(said) == 1, hint  # one time in the suggestion
    assert f"recognisable samples after about {said[0]} (" in estimate, (hint, estimate)
    assert " here" in hint and "typical" not in hint
    assert "too short" not in estimate, estimate
    minutes = tp.length.value()  # lengthened for this slow machine, as the suggestion says
    assert minutes > 10 and f"{minutes:g} minutes" in hint and f"this run: about {duration(minutes * 60)}" in estimate

    # The artist changes the length: the estimate is the form's, and the suggestion keeps no second time.
    tp.length.setValue(tp.length.value() + 5)
    qtbot.waitUntil(lambda: tp.estimate.text() != estimate, timeout=20_000)
    assert not re.findall(TIME, tp.hint.text()), tp.hint.text()
    assert tp.hint.text().startswith("Suggested for")


def test_the_suggestion_is_readable_text_not_disabled_grey(qtbot, window, folder):
    tp = window.views.train_panel
    _open(qtbot, window, folder)
    assert tp.hint.text().startswith("Suggested for")
    image = tp.hint.grab().toImage()
    darkest = min(QColor(image.pixel(x, y)).lightness() for x in range(image.width()) for y in range(image.height()))
    disabled = tp.hint.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).lightness()
    normal = tp.hint.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).lightness()
    assert abs(darkest - normal) < abs(darkest - disabled), (darkest, normal, disabled)


def test_a_folder_that_cannot_be_read_shows_nothing_of_the_last_ones_speed(qtbot, window, folder, tmp_path):
    """An empty, a text-only and a corrupt folder, each opened after a good one: no "images/s" of the good one, no
    suggestion made up from the form's defaults; the panel says there is nothing to suggest."""
    tp = window.views.train_panel
    empty = tmp_path / "empty"
    empty.mkdir()
    text_only = tmp_path / "notes"
    text_only.mkdir()
    (text_only / "notes.txt").write_text("no pictures here")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 20)
    _cache_speed(window, 32, 155.0)
    window.estimator.enabled = True
    for bad in (empty, text_only, corrupt):
        _open(qtbot, window, folder)
        assert "155 images/s" in _estimate(qtbot, window)
        window.open_folder(bad)
        qtbot.waitUntil(lambda: bool(tp.blocked), timeout=20_000)
        shown = [tp.hint.text()] + ([tp.estimate.text()] if tp.estimate.isVisible() else [])
        assert not [t for t in shown if "images/s" in t or "Suggested" in t], (bad.name, shown)
        assert "nothing to suggest" in tp.hint.text(), tp.hint.text()
        assert tp.suggestion is None


def test_the_welcome_view_shows_a_speed_after_a_folder_closed_while_it_measured(qtbot, window, folder):
    """Closing a folder opened while the welcome view measured (the measurement cancelled and still ending) measures
    again: the welcome view never keeps "Measuring…" or an older figure."""
    est = window.estimator
    est.enabled, est.seconds = True, 0.2
    est.measure_welcome_speed(False)
    qtbot.waitUntil(lambda: "Measuring" in window.views.welcome.speed_note.text(), timeout=20_000)
    window.open_folder(folder)  # cancels the welcome's measurement
    window.projects.close_project()  # back to the welcome view before that measurement has ended
    qtbot.waitUntil(lambda: "images/s" in window.views.welcome.speed_note.text(), timeout=60_000)


def test_while_training_the_runs_own_countdown_is_the_one_time_on_screen(qtbot, window, folder):
    """Issue 27: "recognisable after about 17 min" (the suggestion, before Start) beside "in about 36 min" (the
    run's own countdown) on one screen. Once training starts, the suggestion names its settings, not a time."""
    from studio.core.training.events import Progress
    from tests.conftest import HANG_GUARD_MS
    from tests.ui.conftest import event

    tp = window.views.train_panel
    _open(qtbot, window, folder)
    assert re.findall(TIME, tp.hint.text())  # before Start: the suggestion's time (no estimate measured here)
    window.start_training()
    worker = window.worker
    qtbot.waitSignal(worker.yielded, timeout=60_000, check_params_cb=event(Progress)).wait()
    qtbot.waitUntil(lambda: window.views.progress_panel.recognisable.text() != "—", timeout=20_000)  # the countdown
    assert tp.hint.text().startswith("Suggested for") and not re.findall(TIME, tp.hint.text()), tp.hint.text()
    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()
    assert re.findall(TIME, tp.hint.text())  # idle again, with the suggested settings: its time is back


def test_a_size_this_machine_is_too_slow_for_gives_way_to_a_smaller_one(qtbot, window, tmp_path):
    """A typical CPU trains these 64 px pictures to recognisable within the usual 10 minutes; this one measures far
    slower (a 2.5-hour run at 64 px). The suggestion steps down to 32 px, measured next, rather than suggesting hours
    — and never under 32 px; its time is then the estimate's."""
    from studio.core.demo import write_demo_data

    tp = window.views.train_panel
    _open(qtbot, window, write_demo_data(tmp_path / "large", count=24, size=64))
    assert tp.resolution.currentData() == 64, tp.hint.text()  # at a typical CPU's speed
    _cache_speed(window, 64, 6.0)
    _cache_speed(window, 32, 60.0)
    window.estimator.enabled = True
    window.estimator.update()
    qtbot.waitUntil(lambda: tp.resolution.currentData() == 32 and "images/s" in tp.estimate.text(), timeout=30_000)
    said = re.findall(TIME, tp.hint.text())
    assert len(said) == 1 and f"recognisable samples after about {said[0]} (" in tp.estimate.text()
    assert "60 images/s" in tp.estimate.text() and "too short" not in tp.estimate.text()
    assert tp.length.value() == 10 and "at 32 px, 10 minutes" in tp.hint.text(), tp.hint.text()
