"""The Variations tool, offscreen on a real tiny checkpoint: a grid of distinct pictures near the canvas's,
a larger spread wanders further, and clicking a cell puts that picture on the canvas (with a History entry)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.conftest import HANG_GUARD_MS
from tests.core.test_explore import make_run
from tests.ui.conftest import open_explore_tab
from tests.ui.test_explore_tab import to_array


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run("style", tmp_path_factory.mktemp("variations-ui"))


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1200, 800))


def cells(tab) -> list[np.ndarray]:
    """The grid's nine pictures, row by row."""
    shown = tab.tools["variations"].panel.shown
    grid, (w, h), gap = to_array(shown.grid), (shown.cell_w, shown.cell_h), 2
    return [grid[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] for r in range(3) for c in range(3)]


def vary(qtbot, tab, spread: int | None = None) -> list[np.ndarray]:
    panel = tab.tools["variations"].panel
    before = panel.shown
    if spread is not None:
        panel.spread.setValue(spread)
    panel.make.click()
    qtbot.waitUntil(lambda: panel.shown is not before and tab.runs.jobs.get("variations") is None,
                    timeout=HANG_GUARD_MS)
    return cells(tab)


def far(pictures: list[np.ndarray]) -> float:
    """Mean distance of the eight variations from the picture in the middle."""
    middle = pictures[4].astype(np.float64)
    return float(np.mean([np.abs(p.astype(np.float64) - middle).mean() for i, p in enumerate(pictures) if i != 4]))


def test_the_grid_shows_distinct_pictures_around_the_canvas_picture(qtbot, tab):
    tab.ui.side_tabs.setCurrentWidget(tab.tools["variations"].panel)
    pictures = vary(qtbot, tab)
    assert len({p.tobytes() for p in pictures}) == 9  # nine different pictures
    assert np.array_equal(pictures[4], to_array(tab.ui.view.image))  # the canvas's own picture in the middle


def test_a_larger_spread_gives_more_different_pictures(qtbot, tab):
    near = far(vary(qtbot, tab, spread=10))
    wide = far(vary(qtbot, tab, spread=150))
    assert 0 < near < wide


def test_clicking_a_cell_makes_it_the_canvas_picture(qtbot, tab):
    panel = tab.tools["variations"].panel
    tab.ui.side_tabs.setCurrentWidget(panel)
    pictures = vary(qtbot, tab, spread=80)
    before, history = to_array(tab.ui.view.image), tab.ui.history.count()
    shown, rect = panel.shown, panel.view.target_rect()
    scale = rect.width() / shown.grid.width()
    col, row = 2, 0  # the top right cell
    x = rect.x() + (col * (shown.cell_w + 2) + shown.cell_w / 2) * scale
    y = rect.y() + (row * (shown.cell_h + 2) + shown.cell_h / 2) * scale
    with qtbot.waitSignal(panel.chosen, timeout=HANG_GUARD_MS) as chosen:
        qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert chosen.args[0] is shown.cells[2]
    qtbot.waitUntil(lambda: tab._shown >= tab._latest and not np.array_equal(to_array(tab.ui.view.image), before),
                    timeout=HANG_GUARD_MS)
    assert np.array_equal(to_array(tab.ui.view.image), pictures[2])  # exactly the picture clicked
    qtbot.waitUntil(lambda: tab.ui.history.count() == history + 1, timeout=HANG_GUARD_MS)
    assert tab.model.can_undo()  # an undo step, like the other tools' pictures


def test_without_a_checkpoint_it_asks_for_one(qtbot, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(t)
    t.tools["variations"].panel.make.click()
    assert t.runs.jobs.get("variations") is None and "Open a checkpoint first" in t.ui.status.text()
    t.shutdown()
