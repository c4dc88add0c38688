"""The Explore tab's Export dialog on a real tiny checkpoint: it opens with the choices it closed with (in the
session and, through the window's settings, at the next launch), and its preview is what will be written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.explore.render import Recipe, Renderer
from studio.core.export import grid_picture
from studio.ui.explore.export_dialog import preview_size
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab, tiny_explore_run
from tests.ui.test_explore_tab import to_array


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    yield from tiny_explore_run(tmp_path_factory, "style", "export-dialog")


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1200, 800))
    (run_dir / "favourites.json").unlink(missing_ok=True)


def choose(combo, data) -> None:
    i = combo.findData(data)
    assert i >= 0, f"{data!r} is not offered"
    combo.setCurrentIndex(i)


def test_the_dialog_opens_with_the_choices_it_closed_with(qtbot, tab):
    tab.show_export()
    dlg = tab.dialogs.export
    choose(dlg.kind, "walk")
    animation = dlg.fmt.itemData(dlg.fmt.count() - 1)  # not the first offered
    choose(dlg.fmt, animation)
    dlg.frames.setValue(12)
    dlg.fps.setValue(10)
    choose(dlg.kind, "grid")
    dlg.scale.setCurrentIndex(dlg.scale.findData(4))
    choose(dlg.background, "everywhere")
    dlg.close()

    tab.show_export()
    again = tab.dialogs.export
    try:
        assert again.kind.currentData() == "grid"
        assert again.scale.currentData() == 4, "the size went back to ×1"
        assert again.background.currentData() == "everywhere"
        choose(again.kind, "walk")
        assert (again.fmt.currentData(), again.frames.value(), again.fps.value()) == (animation, 12, 10)
    finally:
        again.close()


def test_the_window_remembers_the_export_choices_at_the_next_launch(qtbot, make_window, run_dir: Path):
    def open_dialog(window):
        with qtbot.waitSignal(window.explore_tab.checkpoint_opened, timeout=HANG_GUARD_MS):
            window.explore_checkpoint(str(run_dir))
        window.explore_tab.show_export()
        return window.explore_tab.dialogs.export

    first = make_window()
    dlg = open_dialog(first)
    dlg.scale.setCurrentIndex(dlg.scale.findData(4))
    choose(dlg.kind, "grid")
    dlg.close()
    first.close()

    again = make_window()
    dlg = open_dialog(again)
    try:
        assert (dlg.kind.currentData(), dlg.scale.currentData()) == ("grid", 4)
    finally:
        dlg.close()
        (run_dir / "canvas.json").unlink(missing_ok=True)


def test_the_grid_export_previews_the_grid_of_favourites(qtbot, tab):
    seeds = (3, 5, 8)
    for s in seeds:
        tab.use_recipe(Recipe(seeds=[s], truncation=0.7))
        qtbot.waitUntil(lambda: tab._shown >= tab._latest, timeout=HANG_GUARD_MS)
        tab.add_favourite()
    current = to_array(tab.ui.view.image)
    renderer = Renderer.open(tab.checkpoint)
    favourites = [f.recipe for f in tab.favourites.store.items]
    grid = grid_picture([renderer.render(r) for r in favourites], 2, 2, 1, False, renderer.background)

    tab.show_export()
    dlg = tab.dialogs.export
    try:
        assert np.array_equal(to_array(dlg.preview.image), current)  # "Current image": the canvas's picture
        choose(dlg.kind, "grid")
        qtbot.waitUntil(lambda: dlg.preview.image.size().toTuple() == (grid.shape[1], grid.shape[0]),
                        timeout=HANG_GUARD_MS)
        assert np.array_equal(to_array(dlg.preview.image), grid), "the grid's preview is not the grid exported"
        assert dlg.preview.size() == preview_size(grid.shape[1], grid.shape[0])  # the grid's box, not the picture's
        h, w = grid.shape[:2]
        assert f"{2 * w}×{2 * h} px" in dlg.scale.itemText(dlg.scale.findData(2))  # the grid's size, ×2
        choose(dlg.kind, "image")
        assert np.array_equal(to_array(dlg.preview.image), current)
        assert f"{2 * current.shape[1]}×{2 * current.shape[0]} px" in dlg.scale.itemText(dlg.scale.findData(2))
    finally:
        dlg.close()


def test_an_enlarged_run_opens_at_its_own_size(qtbot, run_dir: Path):
    """A CPU's 128 px run trains a 64 px generator enlarged ×2 (TrainConfig.enlarge): Export opens at ×2, the
    run's size, even after a ×1 export of another run; a larger remembered size stays."""
    from studio.ui.explore.export_dialog import ExportDialog
    from studio.ui.explore.export_memory import ExportMemory

    memory = ExportMemory()
    for enlarge, remembered, expected in ((2, 1, 2), (1, 1, 1), (2, 4, 4)):
        memory.choices = memory.choices.__class__(scale=remembered)
        dlg = ExportDialog(str(run_dir), Recipe(seeds=[0]), [], str(run_dir), memory=memory, enlarge=enlarge)
        qtbot.addWidget(dlg)
        assert dlg.scale.currentData() == expected, (enlarge, remembered, dlg.scale.currentText())
        dlg.close()
