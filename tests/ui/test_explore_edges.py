"""Explore's small defects of issue 27 (item 9), on a real tiny checkpoint: a pin added at the canvas's edge
shows its picture and label whole; the nearest images' names are not cut; the Atlas speaks an artist's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt

from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab, tiny_explore_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    yield from tiny_explore_run(tmp_path_factory, "style", "explore-edges")


@pytest.fixture(params=[(1024, 640), (1600, 940)], ids=["small", "large"])
def tab(request, qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", request.param)


@pytest.mark.parametrize("corner", ["right", "bottom-right", "bottom-left", "top-right"])
def test_a_pin_added_at_the_edge_shows_its_picture_and_label_whole(qtbot, tab, corner: str):
    from studio.ui.explore.latent_canvas import pin_label

    c = tab.ui.canvas
    w, h = c.width(), c.height()
    where = {"right": QPoint(w - 2, h // 2), "bottom-right": QPoint(w - 2, h - 2),
             "bottom-left": QPoint(2, h - 2), "top-right": QPoint(w - 2, 2)}[corner]
    pins = len(tab.model.state.pins)
    qtbot.mouseDClick(c, Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: len(c.state.pins) == pins + 1, timeout=HANG_GUARD_MS)
    pin = c.state.pins[-1]
    qtbot.waitUntil(lambda: pin.seed in c.thumbs, timeout=HANG_GUARD_MS)
    box, label = c.pin_boxes(pin)
    inside = QRectF(c.rect())
    assert box is not None and inside.contains(box), f"the pin's picture {box} leaves the canvas {inside}"
    assert inside.contains(label), f"the label {label} leaves the canvas {inside}"
    assert label.width() >= c.fontMetrics().horizontalAdvance(pin_label(pin.seed))
    assert not label.intersects(box), "the picture covers the label"
    centre = c.to_widget(pin.x, pin.y)
    dot = QRectF(centre.x() - 9, centre.y() - 9, 18, 18)
    assert inside.contains(dot) and not dot.intersects(label) and not dot.intersects(box)


@pytest.fixture
def small_tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1024, 640))


def test_the_atlas_says_how_it_placed_the_pictures_in_an_artists_words(qtbot, small_tab):
    tab = small_tab
    panel = tab.tools["atlas"].panel
    tab.ui.side_tabs.setCurrentWidget(panel)
    panel.count.setValue(12)
    panel.build.click()
    qtbot.waitUntil(lambda: panel.view.atlas is not None and tab.runs.jobs.get("atlas") is None, timeout=HANG_GUARD_MS)
    said = f"{panel.layout_box.currentText()} | {panel.info.text()}"
    assert "pca" not in said.lower() and " of w" not in said and "latent" not in said, said
    assert "the model's styles" in panel.layout_box.currentText()
    assert "similar styles side by side" in panel.info.text(), said


def test_the_nearest_images_show_their_names_and_verdict_whole(qtbot, tab):
    from PySide6.QtCore import QRect

    from studio.ui.explore.render_worker import NearestMatch, NearestResult

    panel = tab.tools["nearest"].panel
    tab.reveal(tab.tools["nearest"])
    picture = tab.ui.view.image.copy()
    names = ["1faf3-1f3fb.png", "1f9d6-1f3fe-200d-2642-fe0f.png", "emoji/2764.png", "IMG_20240101_1200.jpg"]
    for near in (0.01, 0.5):  # the longer verdict ("... may be copying") and the shorter one
        panel.show_result(NearestResult("discriminator", tuple(
            NearestMatch(picture, near + i / 100, i, n) for i, n in enumerate(names))))
        panel.layout().activate()  # the strip's layout takes the new sentence
        metrics = panel.list.fontMetrics()
        for i in range(panel.list.count()):
            text = panel.list.item(i).text()
            assert metrics.horizontalAdvance(text) + 8 <= panel.list.gridSize().width(), f"{text!r} is cut"
        title = panel.title
        needed = title.fontMetrics().boundingRect(QRect(0, 0, title.width(), 10_000), Qt.TextFlag.TextWordWrap,
                                                  title.text()).height()
        assert needed <= title.height(), f"the verdict needs {needed} px, it has {title.height()}: {title.text()!r}"
        assert "discriminator" not in title.text()  # a word for the tooltip, not the sentence
