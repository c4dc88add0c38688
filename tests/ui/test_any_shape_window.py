"""Non-square runs in the window (issue 18), offscreen, trained for real at 24×16: the training panel's
shape (suggested from the folder, its pixel size shown, kept by a reopened run), a growing run's stages
named by their picture size, and every view that shows pictures laying them out at their shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_tiny


def landscapes(folder: Path, count: int = 20, squares: int = 4) -> Path:
    """`count` 36×24 pictures (a dark shape on a light ground, each a little different) and a few squares."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(count + squares):
        w, h = (36, 24) if i < count else (24, 24)
        a = np.full((h, w, 3), 230, np.uint8)
        x, y = rng.integers(0, w - 10), rng.integers(0, h - 8)
        a[y:y + 8, x:x + 10] = rng.integers(0, 120, 3)
        Image.fromarray(a).save(folder / f"p{i:02d}.png")
    return folder


def cells(image: QImage, width: int, height: int, gap: int = 2) -> tuple[int, int]:
    """(columns, rows) of a grid of width × height pictures with `gap` px between and around them; fails if the
    image is not such a grid (a squashed or square layout)."""
    cols, rem_w = divmod(image.width() - gap, width + gap)
    rows, rem_h = divmod(image.height() - gap, height + gap)
    assert (rem_w, rem_h) == (0, 0) and cols and rows, (
        f"a {image.width()}×{image.height()} grid is not made of {width}×{height} pictures")
    return cols, rows


def test_landscape_folder_suggests_its_shape_and_trains_it(qtbot, window, tmp_path: Path):
    folder = landscapes(tmp_path / "landscapes")
    tp = window.train_panel
    open_tiny(qtbot, window, folder)
    # The folder's suggestion: most of its pictures are landscape 3:2, and the hint says so.
    assert tp.aspect.currentData() == "3:2"
    assert "most of these images are landscape 3:2" in tp.hint.text()
    # 16 px asked (open_tiny): the networks make 24×16, and the panel says so beside the resolution.
    assert tp.shape_label.text() == "24×16 px"
    assert tp.config("x").canvas().describe() == "24×16 px (3:2 landscape)"
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "3:2", timeout=HANG_GUARD_MS)
    # The Dataset tab shows the pictures as training will see them: 24×16 tiles.
    assert window.dataset.folder.images.shape[1:3] == (16, 24)
    cells(window.dataset_panel.thumbnails.image, 24, 16)
    # Another shape reads the folder again at that shape.
    tp.aspect.setCurrentIndex(tp.aspect.findData("2:3"))
    assert tp.shape_label.text() == "16×24 px"
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "2:3", timeout=HANG_GUARD_MS)
    cells(window.dataset_panel.thumbnails.image, 16, 24)
    tp.aspect.setCurrentIndex(tp.aspect.findData("3:2"))
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "3:2", timeout=HANG_GUARD_MS)

    # A growing run: its tooltip and its progress bar name the stages by their picture size.
    tp.progressive.setChecked(True)
    assert "Start at 12×8 px" in tp.progressive.toolTip()
    window.start_training()
    worker = window.worker
    with qtbot.waitSignal(worker.samples, timeout=HANG_GUARD_MS) as blocker:
        pass
    cells(blocker.args[0], 24, 16)  # the live grid: 24×16 pictures, though G starts at 12×8
    qtbot.waitUntil(lambda: "px" in window.progress_panel.bar.format(), timeout=HANG_GUARD_MS)
    assert "12×8 px" in window.progress_panel.bar.format(), window.progress_panel.bar.format()
    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()
    run = window.project.run
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["aspect"], cfg["resolution"]) == ("3:2", 24)

    # Reopened, the run shows its own shape, whatever the form said before.
    tp.aspect.setCurrentIndex(tp.aspect.findData("1:1"))
    window.open_run(run)
    assert tp.aspect.currentData() == "3:2" and tp.shape_label.text() == "24×16 px"
    window.live.timelapse  # noqa: B018
    snapshots = sorted((run / "snapshots").glob("*.png"))
    if snapshots:
        cells(QImage(str(snapshots[-1])), 24, 16)
