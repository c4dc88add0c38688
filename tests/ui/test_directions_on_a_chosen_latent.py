"""Directions act on a picture whose latent came from elsewhere (a style-mixer cell), on a real tiny Quick
style-based checkpoint: the picture moves and History gains an entry; a control that cannot act says why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab, style_mix, tiny_explore_run
from tests.ui.test_explore_tab import settle, to_array


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    yield from tiny_explore_run(tmp_path_factory, "quickstyle", "directions-on-w")


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1200, 800))


def choose_mixer_cell(qtbot, tab) -> np.ndarray:
    """Click the bottom-right cell of a 2×2 style mix; the picture on the canvas once it is shown."""
    m = style_mix(qtbot, tab)
    step = m.result.cell_w + m.result.gap
    grid = to_array(m.view.image)
    rect = m.view.target_rect()
    qtbot.mouseClick(m.view, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.x() + rect.width() * (2 * step + 4) / grid.shape[1]),
                                int(rect.y() + rect.height() * (2 * step + 4) / grid.shape[0])))
    qtbot.waitUntil(lambda: tab.model.state.w is not None, timeout=HANG_GUARD_MS)
    return settle(qtbot, tab)


def test_a_direction_moves_a_chosen_mixer_cell_and_adds_a_history_entry(qtbot, tab):
    cell = choose_mixer_cell(qtbot, tab)
    entries = tab.ui.history.count()
    tab.tools["directions"].panel.sliders[0].setValue(30)  # +3 standard deviations: a release ends the drag
    tab.tools["directions"].panel.sliders[0].sliderReleased.emit()
    moved = settle(qtbot, tab)
    assert not np.array_equal(cell, moved), "the direction did not move the mixer cell's picture"
    qtbot.waitUntil(lambda: tab.ui.history.count() == entries + 1, timeout=HANG_GUARD_MS)
    assert tab.current_recipe.directions == [[0, 3.0]]
    tab.undo()  # back to the cell itself
    assert np.array_equal(settle(qtbot, tab), cell)


def test_truncation_on_a_chosen_cell_says_why_it_cannot_act(qtbot, tab):
    cell = choose_mixer_cell(qtbot, tab)
    entries = tab.ui.history.count()
    tab.ui.controls.truncation.setValue(50)
    assert "rendered" not in tab.ui.status.text()
    assert "ψ" in tab.ui.status.text() and "cursor" in tab.ui.status.text()
    assert np.array_equal(settle(qtbot, tab), cell)
    assert tab.ui.history.count() == entries
