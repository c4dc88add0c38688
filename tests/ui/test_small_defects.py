"""Small things an artist noticed: pins keep their colours, a short folder's thumbnail strip has no black
block, "Advanced" points the way it will open, the loss legend keeps one order, and no control speaks
jargon it does not explain."""

from __future__ import annotations

import dataclasses
import re

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


def test_the_loss_legend_keeps_one_order(qtbot):
    from studio.ui.widgets.loss_plot import LossPlot

    names = []
    for first in ({"r1": 0.1, "loss_d": 0.5, "loss_g": 1.0}, {"loss_g": 1.0, "loss_d": 0.5, "r1": 0.1}):
        plot = LossPlot()
        qtbot.addWidget(plot)
        plot.add_point(1, {"loss_d": first["loss_d"]})  # the D loss arrives alone first
        plot.add_point(2, first)
        names.append(plot.legend.names())
    assert names[0] == names[1] == ["G loss", "D loss", "R1"]


def test_the_loss_legend_covers_no_point_of_the_curves(qtbot):
    """A run's first losses are high and at the left, where a legend inside the plot sat: every drawn point
    of the curves is visible in the plot's picture."""
    from PySide6.QtCore import QPointF

    from studio.ui.widgets.loss_plot import CURVES, LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 320)
    plot.show()
    qtbot.waitExposed(plot)
    for step in range(0, 9):
        plot.add_point(step, {"loss_g": 3.0, "loss_d": 0.5, "r1": 0.1})
    plot.redraw()
    qtbot.wait(50)
    picture = plot.grab().toImage()
    orange = QColor(CURVES["loss_g"][1])
    box = plot.losses.getViewBox()
    hidden = []
    for step in range(1, 9):
        scene = box.mapViewToScene(QPointF(step, 3.0))
        at = plot.view.mapTo(plot, plot.view.mapFromScene(scene))
        near = [picture.pixelColor(at.x() + dx, at.y() + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        if not any(abs(c.red() - orange.red()) + abs(c.green() - orange.green()) + abs(c.blue() - orange.blue()) < 60
                   for c in near):
            hidden.append(step)
    assert not hidden, f"the G loss at steps {hidden} is covered"


JARGON = re.compile(r"\bPC \d|\bof w\b|\bw \d|γ|\bkimg\b|\bPCA\b|^#\d")


def test_no_control_speaks_unexplained_jargon(qtbot, window):
    """Every caption, button, choice and unit in the window and the Explore tab, in words (the tooltips may
    name the technical term after explaining it)."""
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QTabWidget, QWidget

    window.train_panel.advanced.expand(animate=False)
    texts = []
    for w in window.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QAbstractSpinBox):
            texts += [w.prefix(), w.suffix(), w.specialValueText()] if hasattr(w, "suffix") else []
        elif isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
    window.explore_tab.mixer.set_model({"coarse": (0, 4), "middle": (4, 8), "fine": (8, 12)}, 12)
    texts.append(window.explore_tab.mixer.info.text())
    found = sorted({t for t in texts if JARGON.search(t) and "thousand images shown" not in t})
    assert not found, f"jargon on screen: {found}"


def test_what_to_expect_counts_images_not_kimg(qtbot, window):
    """The estimate before Start, the countdown while training and the welcome view's speed say "36k images"
    (kimg stays in tooltips and the CLI)."""
    from studio.core.training.config import TrainConfig
    from studio.core.training.estimate import describe_for, recognisable_progress
    from studio.ui.widgets.welcome import speed_sentence

    texts = [describe_for(TrainConfig(data="x", model="dcgan", resolution=32, minutes=10), 300, "cpu", 60.0),
             describe_for(TrainConfig(data="x", model="dcgan", resolution=32, kimg=2.5), 300, "cpu", 60.0),
             recognisable_progress("dcgan", 32, 3.0, 60.0), recognisable_progress("dcgan", 32, 99.0, 60.0),
             speed_sentence("CPU: x86_64 (2 threads)", "Quick", 64, 60.0, 36.0)]
    window.train_panel.set_estimate(texts[0])
    texts.append(window.train_panel.estimate.text())
    assert not [t for t in texts if JARGON.search(t)], texts
    assert "36k images" in texts[0] and "2.5k images" in texts[1] and "36k images" in texts[4], texts
