"""Inpainting and the atlas in the Explore tab, offscreen, on a real tiny checkpoint: the mouse paints the
mask, a fill arrives and saves; an atlas is built off the GUI thread and a click pins its seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from studio.core.explore.render import Recipe, Renderer
from studio.core.formats.png_recipe import read_embedded
from tests.conftest import HANG_GUARD_MS
from tests.core.test_explore import make_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield make_run("style", tmp_path_factory.mktemp("inpaint-atlas-ui"))
    torch.set_num_threads(n)


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(t)
    t.resize(1400, 900)
    t.show()
    qtbot.waitExposed(t)
    with qtbot.waitSignal(t.checkpoint_opened, timeout=20_000):
        t.open_checkpoint(str(run_dir))
    yield t
    t.shutdown()
    t.close()


def drag(qtbot, widget, points: list[QPointF], button=Qt.MouseButton.LeftButton) -> None:
    pts = [p.toPoint() for p in points]
    qtbot.mousePress(widget, button, pos=pts[0])
    for p in pts[1:]:
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, button, pos=pts[-1])


def test_mouse_paints_and_erases_the_mask(qtbot):
    from studio.ui.explore.inpaint_view import MaskCanvas

    canvas = MaskCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    picture = QImage(64, 64, QImage.Format.Format_RGB888)
    picture.fill(QColor(20, 120, 200))
    canvas.set_picture(picture)
    canvas.brush = 8  # screen pixels: at 6x zoom, a stroke about 3 picture pixels wide
    assert not canvas.has_hole()
    with qtbot.waitSignal(canvas.mask_changed, timeout=HANG_GUARD_MS):
        drag(qtbot, canvas, [canvas.to_widget(10.5, 20.5), canvas.to_widget(30.5, 20.5), canvas.to_widget(50.5, 20.5)])
    mask = canvas.mask_array()
    assert mask.shape == (64, 64) and set(np.unique(mask)) == {0, 255}  # two-level, no grey rims
    assert (mask[20, 11:50] == 255).all()  # the stroke, end to end
    assert not mask[30:].any() and not mask[:15].any()  # nothing far from it
    rows = np.nonzero(mask.any(1))[0]
    assert rows.max() - rows.min() <= 4
    drag(qtbot, canvas, [canvas.to_widget(25.5, 20.5), canvas.to_widget(35.5, 20.5)], Qt.MouseButton.RightButton)
    mask = canvas.mask_array()
    assert not mask[20, 26:35].any() and mask[20, 12:20].all() and mask[20, 40:49].all()
    canvas.clear_mask()
    assert not canvas.has_hole()


def test_inpaint_panel_fills_the_painted_hole_and_saves(qtbot, tab, run_dir: Path, tmp_path: Path):
    picture = Renderer.open(run_dir).render(Recipe(seeds=[7]))
    big = Image.fromarray(picture).resize((64, 64), Image.NEAREST)
    big.save(tmp_path / "picture.png")
    panel = tab.tools["inpaint"].panel
    tab.ui.side_tabs.setCurrentWidget(panel)
    assert panel.open_picture(str(tmp_path / "picture.png"))
    assert not panel.fill.isEnabled()  # nothing painted yet
    c = panel.canvas
    c.brush = 6
    drag(qtbot, c, [c.to_widget(24, 30), c.to_widget(40, 30)])
    assert panel.fill.isEnabled()
    panel.steps.setValue(8)
    panel.feather.setValue(1)
    panel.fill.click()
    assert tab.runs.jobs.get("inpaint") is not None and panel.cancel.isEnabled()
    qtbot.waitUntil(lambda: panel.outcome is not None and tab.runs.jobs.get("inpaint") is None, timeout=60_000)
    out = panel.outcome
    assert not panel.after.image.isNull() and out.after.size() == out.before.size()
    assert out.filled > 0 and out.last_loss <= out.first_loss
    assert panel.save.isEnabled() and panel.fill.isEnabled()
    path = tab.tools["inpaint"].save(str(tmp_path / "exports"), "fixed.png")
    assert path is not None and path.name == "fixed.png"
    emb = read_embedded(path)
    assert emb.inpaint is not None and emb.inpaint.hole().sum() == out.filled
    assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), out.composite)
    # the painted stroke is where the hole is (model pixels 6..10 of 16 across, row ~7)
    hole = emb.inpaint.hole()
    assert hole[7, 7:10].all() and not hole[:4].any() and not hole[12:].any()
    panel.use.click()
    assert tab.model.state.w == out.recipe.w


def test_inpaint_can_be_cancelled(qtbot, tab, run_dir: Path, tmp_path: Path):
    Image.fromarray(np.full((16, 16, 3), 200, np.uint8)).save(tmp_path / "grey.png")
    panel = tab.tools["inpaint"].panel
    panel.open_picture(str(tmp_path / "grey.png"))
    drag(qtbot, panel.canvas, [panel.canvas.to_widget(4, 4), panel.canvas.to_widget(8, 8)])
    panel.steps.setValue(5000)
    panel.fill.click()
    qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=30_000)
    panel.cancel.click()
    qtbot.waitUntil(lambda: tab.runs.jobs.get("inpaint") is None, timeout=30_000)
    assert panel.outcome is None and "cancelled" in panel.status.text()


def test_atlas_click_pins_the_seed_on_the_canvas(qtbot, tab):
    panel = tab.tools["atlas"].panel
    tab.ui.side_tabs.setCurrentWidget(panel)
    panel.count.setValue(30)
    panel.first.setValue(100)
    panel.build.click()
    assert tab.runs.jobs.get("atlas") is not None and panel.cancel.isEnabled()
    qtbot.waitUntil(lambda: panel.view.atlas is not None and tab.runs.jobs.get("atlas") is None, timeout=60_000)
    atlas = panel.view.atlas
    assert sorted(atlas.seeds) == list(range(100, 130)) and len(set(atlas.cells)) == 30
    pins_before = len(tab.model.state.pins)
    view = panel.view
    target = view.mapFromScene(view.cell_centre(117))
    assert view.seed_at(target) == 117
    with qtbot.waitSignal(view.chosen, timeout=HANG_GUARD_MS) as sig:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert sig.args == [117]
    pins = tab.model.state.pins
    assert len(pins) == pins_before + 1 and pins[-1].seed == 117
    assert tab.ui.canvas.state.pins[-1].seed == 117  # the canvas widget shows it
    assert tab.model.state.cursor == (pins[-1].x, pins[-1].y)
    qtbot.waitUntil(lambda: tab._shown >= tab._latest and tab.current_recipe is not None
                    and tab.current_recipe.seeds[-1] == 117, timeout=20_000)
    assert tab.current_recipe.weights[-1] == 1.0  # the cursor stands on the new pin: its image is shown
    tab.undo()
    assert len(tab.model.state.pins) == pins_before  # one undo step
    # a drag pans instead of pinning
    start = view.mapFromScene(view.cell_centre(101))
    drag(qtbot, view.viewport(), [QPointF(start), QPointF(start + QPoint(30, 0)), QPointF(start + QPoint(60, 10))])
    assert len(tab.model.state.pins) == pins_before
    tab.tools["mixer"].add_seed(117, "cols")
    assert tab.tools["mixer"].panel.cols.text().endswith(",117")


def test_atlas_build_can_be_cancelled(qtbot, tab):
    # Opening the checkpoint also computes its directions in the background; their "ready" line would
    # overwrite the cancel message if it arrived late, so let it arrive first.
    qtbot.waitUntil(lambda: "directions ready" in tab.ui.status.text(), timeout=60_000)
    tab.tools["atlas"].panel.count.setValue(3000)
    tab.tools["atlas"].panel.build.click()
    qtbot.waitUntil(lambda: tab.tools["atlas"].panel.progress.value() >= 1, timeout=30_000)
    tab.tools["atlas"].panel.cancel.click()
    qtbot.waitUntil(lambda: tab.runs.jobs.get("atlas") is None, timeout=30_000)
    assert tab.tools["atlas"].panel.view.atlas is None and tab.tools["atlas"].panel.build.isEnabled()
    assert "cancelled" in tab.ui.status.text()


def test_atlas_view_switches_to_native_thumbnails_when_zoomed_in(qtbot):
    from studio.ui.base.qimage import to_qimage
    from studio.ui.explore.atlas_view import AtlasView
    from studio.ui.explore.atlas_worker import AtlasShown

    res, thumb, cols, rows = 128, 64, 8, 8
    thumbs = tuple(to_qimage(np.full((res, res, 3), i * 3, np.uint8)) for i in range(60))
    cells = tuple((i % cols, i // cols) for i in range(60))
    overview = to_qimage(np.zeros((rows * (thumb + 2) - 2, cols * (thumb + 2) - 2, 3), np.uint8))
    view = AtlasView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_atlas(AtlasShown(tuple(range(60)), cells, cols, rows, res, res, 2, overview, (thumb, thumb), thumbs,
                              "pca of w", 1.0))
    assert view._overview.isVisible() and not view._detail.isVisible()
    centre = view.viewport().rect().center()
    for _ in range(12):
        view.wheelEvent(_wheel(centre, 120))
    assert view.zoom() * res > thumb * 1.2
    assert view._detail.isVisible() and not view._overview.isVisible()
    assert view.seed_at(view.mapFromScene(view.cell_centre(27))) == 27
    for _ in range(30):
        view.wheelEvent(_wheel(centre, -120))
    assert view._overview.isVisible() and not view._detail.isVisible()


def _wheel(pos: QPoint, delta: int):
    from PySide6.QtGui import QWheelEvent

    return QWheelEvent(QPointF(pos), QPointF(pos), QPoint(0, 0), QPoint(0, delta), Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)


def test_no_atlas_or_inpaint_without_a_checkpoint(qtbot, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(t)
    t.tools["atlas"].build([1, 2, 3])
    assert t.runs.jobs.get("atlas") is None and "Open a checkpoint first" in t.ui.status.text()
    t.tools["inpaint"].start("x.png", np.zeros((4, 4), np.uint8), None)
    assert t.runs.jobs.get("inpaint") is None
    t.shutdown()
    QApplication.processEvents()
