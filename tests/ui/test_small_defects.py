"""Small things an artist noticed: pins keep their colours, a short folder's thumbnail strip has no black
block, and "Advanced" points the way it will open."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtGui import QColor

from studio.core.explore.canvas import CanvasState, Pin
from studio.ui.explore.latent_canvas import LatentCanvas
from studio.ui.qimage import balanced_columns, tile


def _pin_colours(qtbot, canvas: LatentCanvas) -> list[QColor]:
    image = canvas.grab().toImage()
    return [image.pixelColor(canvas.to_widget(p.x, p.y).toPoint()) for p in canvas.state.pins]


def test_adding_a_pin_keeps_the_other_pins_colours(qtbot):
    canvas = LatentCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    before = _pin_colours(qtbot, canvas)
    assert len({c.name() for c in before}) == len(before)
    canvas.set_state(dataclasses.replace(canvas.state, pins=(*canvas.state.pins, Pin(7, 0.1, 0.9))))
    after = _pin_colours(qtbot, canvas)
    assert [c.name() for c in after[:len(before)]] == [c.name() for c in before]


def test_a_short_strip_has_full_rows_and_no_black_block():
    images = np.full((24, 8, 8, 3), 255, np.uint8)
    assert balanced_columns(24, 16) == 12  # two full rows, not 16 + 8 and eight empty slots
    strip = tile(images, balanced_columns(24, 16))
    assert strip.shape[1] == 12 * 10 + 2
    odd = tile(images[:23], balanced_columns(23, 16))
    last = odd[2 + 1 * 10: 2 + 1 * 10 + 8, -10:-2]  # the one empty slot
    assert (last > 100).all(), "an empty slot is a quiet grey, not black"


def test_advanced_points_the_way_it_opens(qtbot):
    from studio.ui.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    assert panel.advanced.isExpanded() is False
    shown = panel.advanced.collapsedIcon().pixmap(16).toImage()
    assert shown == panel.advanced._convert_string_to_icon("▶").pixmap(16).toImage()  # not "▲"
    assert CanvasState().pins  # (the canvas starts with pins, which the first test relies on)
