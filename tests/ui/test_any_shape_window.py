"""Non-square runs in the window (issue 18), offscreen, trained for real at 24×16: the training panel's
shape (suggested from the folder, its pixel size shown, kept by a reopened run), a growing run's stages
named by their picture size, and every view that shows pictures laying them out at their shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from studio.ui.worker import LiveSamples
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab, style_mix
from tests.ui.conftest import event, open_tiny


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
    tp = window.views.train_panel
    open_tiny(qtbot, window, folder)
    # The folder's suggestion: most of its pictures are landscape 3:2, and the hint says so.
    assert tp.aspect.currentData() == "3:2"
    assert "most of these images are landscape 3:2" in tp.hint.text()
    # The smallest size asked (open_tiny): 24×16, and the panel says so beside it.
    assert tp.shape_label.text() == "24×16 px"
    assert tp.config("x").canvas().describe() == "24×16 px (3:2 landscape)"
    # The folder was first read at the suggestion (48×32, never under 32 px: issue 25), then again at the form's
    # smaller size: wait for that second reading.
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "3:2"
                    and window.dataset.folder.images.shape[1:3] == (16, 24), timeout=HANG_GUARD_MS)
    # The Dataset tab shows the pictures as training will see them: 24×16 tiles.
    cells(window.views.dataset_panel.thumbnails.image, 24, 16)
    # Another shape reads the folder again at that shape.
    tp.aspect.setCurrentIndex(tp.aspect.findData("2:3"))
    assert tp.shape_label.text() == "16×24 px"
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "2:3", timeout=HANG_GUARD_MS)
    cells(window.views.dataset_panel.thumbnails.image, 16, 24)
    tp.aspect.setCurrentIndex(tp.aspect.findData("3:2"))
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None
                    and window.dataset.folder.config.aspect == "3:2", timeout=HANG_GUARD_MS)

    # A growing run: its tooltip and its progress bar name the stages by their picture size.
    tp.progressive.setChecked(True)
    assert "Start at 12×8 px" in tp.progressive.toolTip()
    window.start_training()
    worker = window.worker
    with qtbot.waitSignal(worker.yielded, timeout=HANG_GUARD_MS, check_params_cb=event(LiveSamples)) as blocker:
        pass
    cells(blocker.args[0].image, 24, 16)  # the live grid: 24×16 pictures, though G starts at 12×8
    qtbot.waitUntil(lambda: "px" in window.views.progress_panel.bar.format(), timeout=HANG_GUARD_MS)
    assert "12×8 px" in window.views.progress_panel.bar.format(), window.views.progress_panel.bar.format()
    with qtbot.waitSignal(worker.finished, timeout=HANG_GUARD_MS):
        window.stop_training()
    run = window.project.run
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["aspect"], cfg["resolution"]) == ("3:2", 24)

    # Reopened, the run shows its own shape, whatever the form said before.
    tp.aspect.setCurrentIndex(tp.aspect.findData("1:1"))
    window.open_run(run)
    assert tp.aspect.currentData() == "3:2" and tp.shape_label.text() == "24×16 px"
    # A run always ends with a snapshot of its grid (core/training/loop.py), laid out for 24×16 pictures;
    # reopened, the window shows it.
    snapshots = sorted((run / "snapshots").glob("*.png"))
    assert snapshots, "the run ended without a snapshot of its grid"
    cells(QImage(str(snapshots[-1])), 24, 16)
    qtbot.waitUntil(lambda: not window.views.grid.image.isNull(), timeout=HANG_GUARD_MS)
    cells(window.views.grid.image, 24, 16)


def test_a_reopened_landscape_run_shows_the_size_it_makes(qtbot):
    # 16 and 32 px both made 24×16 at 3:2; a run trained with --resolution 32 (config: 24) read "16 px → 24×16
    # px" in the form (seen under Xvfb). Now the list names the pictures themselves, and the run's is chosen.
    from studio.core.shape import canvas_shape
    from studio.core.training.config import TrainConfig
    from studio.ui.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    for aspect, resolution, shown, size in (("3:2", 24, "24×16", "24×16 px"), ("3:2", 48, "48×32", "48×32 px"),
                                            ("2:3", 24, "16×24", "16×24 px"), ("1:1", 64, "64 px", "64×64 px"),
                                            ("16:9", 28, "28×16", "28×16 px")):
        panel.set_from_config(TrainConfig(model="dcgan", aspect=aspect, resolution=resolution))
        assert (panel.resolution.currentText(), panel.shape_label.text()) == (shown, size), (aspect, resolution)
        assert panel.config("x").canvas() == canvas_shape(aspect, resolution)  # resuming makes the same pictures


def test_a_landscape_offers_the_sizes_the_networks_make_each_once(qtbot):
    # Issue 27: at 3:2 "16 px" and "32 px" both gave 24×16, and "3:2, 32 px" trained 24×16; at 128 px the long
    # side depended on the shape. The list offers each size the networks make once, by its W×H, and the
    # form's config makes exactly the size chosen; changing the shape keeps the networks' scale.
    from studio.core.training.config import TrainConfig
    from studio.ui.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    res = panel.resolution
    assert [res.itemText(i) for i in range(res.count())] == [
        "16 px", "32 px", "64 px", "128 px", "256 px", "512 px", "1024 px"]
    assert res.currentText() == "64 px"
    panel.aspect.setCurrentIndex(panel.aspect.findData("3:2"))
    items = [res.itemText(i) for i in range(res.count())]
    assert items == ["24×16", "48×32", "96×64", "192×128", "384×256", "768×512"]
    assert res.currentText() == "96×64"  # the 64 px square's networks, wider
    for i, text in enumerate(items):
        res.setCurrentIndex(i)
        cfg = panel.config("x")  # from 128 px up the generator trains at half the size, enlarged ×2 (its pictures)
        assert f"{cfg.canvas().width * cfg.enlarge}×{cfg.canvas().height * cfg.enlarge}" == text
        assert panel.shape_label.text() == f"{text} px"
        # As config.json keeps it: the long side of what the networks make, which makes it again.
        assert TrainConfig.from_json(cfg.to_json()).canvas() == cfg.canvas()
    res.setCurrentIndex(res.findText("48×32"))
    assert panel.config("x").resolution == 48  # what --resolution means: the long side
    for aspect, text in (("16:9", "56×32"), ("4:3", "32×24"), ("2:3", "32×48"), ("1:1", "32 px")):
        panel.aspect.setCurrentIndex(panel.aspect.findData(aspect))
        assert res.currentText() == text, aspect
        texts = [res.itemText(i) for i in range(res.count())]
        assert len(set(texts)) == len(texts)


def test_the_welcome_view_gives_the_speed_at_the_forms_shape(qtbot, window, tmp_path: Path):
    # Two figures in the speed cache (as the probe or a finished run writes them): the 64 px square and 3:2 at
    # 64 px, 48×32 pixels. The welcome view measured (and named) the square whatever the form's shape was.
    from studio.core.speed_probe import remember_run_speed

    cache = window.estimator.cache
    remember_run_speed("quickstyle", 64, "auto", 1000.0, 60.0, folder=cache)
    remember_run_speed("quickstyle", 64, "auto", 250.0, 60.0, folder=cache, aspect="3:2")
    window.estimates = True
    window.speed_seconds = 0.3
    assert window.state == "empty"
    window.estimator.measure_welcome_speed(False)
    qtbot.waitUntil(lambda: window.estimator.speed_worker is None, timeout=HANG_GUARD_MS)
    assert "the Quick style-based model at 64 px trains about <b>1,000 images/s</b>" in window.views.welcome.speed_note.text()
    # A landscape folder sets the form to 3:2; back on the welcome view, the figure is the form's shape's.
    open_tiny(qtbot, window, landscapes(tmp_path / "landscapes"))
    assert window.views.train_panel.aspect.currentData() == "3:2"
    qtbot.waitUntil(lambda: window.estimate_worker is None, timeout=HANG_GUARD_MS)
    window.close_project()
    assert window.state == "empty"
    qtbot.waitUntil(lambda: "48×32 px" in window.views.welcome.speed_note.text(), timeout=HANG_GUARD_MS)
    assert "the Quick style-based model at 48×32 px trains about <b>250 images/s</b>" in window.views.welcome.speed_note.text()


def test_the_suggestion_counts_this_machines_square_speed_in_pixels(qtbot, window, tmp_path: Path):
    # Only the square was measured here (the welcome view's figure, in the window's own cache): a 3:2 folder's
    # suggestion counts it in pixels. It used a typical figure and said "here", and read the user's cache.
    from studio.core.shape import canvas_shape
    from studio.core.speed_probe import cached_speed_at_shape, remember_run_speed
    from studio.core.training.suggest import recognisable_kimg

    # 48×32: the smallest 3:2 picture the studio suggests (never a side of 32 px below it; issue 25)
    remember_run_speed("quickstyle", 64, "cpu", 3.0, 60.0, folder=window.estimator.cache)
    shape = canvas_shape("3:2", 64)  # 48×32: what a folder of 36×24 pictures is suggested
    speed = cached_speed_at_shape("quickstyle", 64, "cpu", "3:2", folder=window.estimator.cache)
    assert speed == 3.0 * 64 * 64 / (48 * 32)
    minutes = round(recognisable_kimg("quickstyle", shape.area_side) * 1000 / speed / 60)
    window.open_folder(landscapes(tmp_path / "landscapes"))
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None, timeout=HANG_GUARD_MS)
    hint = window.views.train_panel.hint.text()
    assert "Quick style-based model at 48×32 px" in hint and f"recognisable samples after about {minutes} min here" in hint, hint


# ---------------------------------------------------------------------------------------------- Explore
@pytest.fixture(scope="module")
def landscape_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-step style run at 24×16 (3:2)."""
    import torch

    from tests.core.test_any_shape_explore import make_run

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield make_run("style", "3:2", tmp_path_factory.mktemp("landscape-ui"))
    torch.set_num_threads(n)


@pytest.fixture
def tab(qtbot, landscape_run: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, landscape_run, tmp_path / "cache", (1400, 900))


def aspect_of(width: float, height: float) -> float:
    return width / height


def test_explore_shows_a_landscape_checkpoint_at_its_shape(qtbot, tab):
    # The header gives the picture's size, not the networks' scale (16).
    assert "style · 24×16 px · step" in tab.ui.source.full_text, tab.ui.source.full_text
    assert (tab.ui.view.image.width(), tab.ui.view.image.height()) == (24, 16)
    r = tab.ui.view.target_rect()
    assert abs(aspect_of(r.width(), r.height()) - 1.5) < 0.01  # the main view: neither squashed nor stretched
    assert tab.ui.status.text().startswith("24×16 px")
    # The canvas's pin pictures keep the shape.
    qtbot.waitUntil(lambda: bool(tab.ui.canvas.thumbs), timeout=HANG_GUARD_MS)
    from studio.ui.explore.latent_canvas import THUMB, thumb_size

    thumb = next(iter(tab.ui.canvas.thumbs.values()))
    assert (thumb.width(), thumb.height()) == (24, 16)
    assert thumb_size(thumb.width(), thumb.height()) == (THUMB, THUMB * 16 / 24)
    # History: the thumbnail is a landscape.
    qtbot.waitUntil(lambda: tab.ui.history.count() > 0, timeout=HANG_GUARD_MS)
    pix = tab.ui.history.item(tab.ui.history.count() - 1).icon().pixmap(tab.ui.history.iconSize())
    assert abs(aspect_of(pix.width(), pix.height()) - 1.5) < 0.1, (pix.width(), pix.height())


def test_mixer_cells_are_the_pictures_shape(qtbot, tab):
    from PySide6.QtCore import QPoint, Qt

    m = style_mix(qtbot, tab)
    res = m.result
    assert (res.cell_w, res.cell_h) == (24, 16)
    image = m.view.image
    assert (image.width(), image.height()) == (3 * 24 + 2 * 2, 3 * 16 + 2 * 2)
    rect = m.view.target_rect()
    assert abs(aspect_of(rect.width(), rect.height()) - aspect_of(image.width(), image.height())) < 0.02
    chosen = []
    m.cell_chosen.connect(chosen.append)
    # The middle of the cell in row 2, column 2: seed 2 with seed 11's styles.
    x, y = 2 * 26 + 12, 2 * 18 + 8
    qtbot.mouseClick(m.view, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.x() + rect.width() * x / image.width()),
                                int(rect.y() + rect.height() * y / image.height())))
    assert chosen and chosen[0].seeds == [2] and chosen[0].mix_seed == 11


def test_atlas_lays_out_landscape_thumbnails(qtbot, tab):
    panel = tab.tools["atlas"].panel
    tab.ui.side_tabs.setCurrentWidget(panel)
    panel.count.setValue(12)
    panel.first.setValue(40)
    panel.build.click()
    qtbot.waitUntil(lambda: panel.view.atlas is not None and tab.runs.jobs.get("atlas") is None, timeout=HANG_GUARD_MS)
    atlas = panel.view.atlas
    assert (atlas.width, atlas.height) == (24, 16) and atlas.overview_size == (24, 16)
    assert atlas.overview.width() == atlas.cols * 26 - 2 and atlas.overview.height() == atlas.rows * 18 - 2
    view = panel.view
    for seed in (40, 47, 51):
        assert view.seed_at(view.mapFromScene(view.cell_centre(seed))) == seed


def test_export_dialog_previews_the_shape(qtbot, tab):
    tab.show_export()
    dlg = tab.dialogs.export
    try:
        assert (dlg.preview.image.width(), dlg.preview.image.height()) == (24, 16)
        assert "24×16 px" in dlg.scale.itemText(0) and "48×32 px" in dlg.scale.itemText(1)
        r = dlg.preview.target_rect()
        assert abs(aspect_of(r.width(), r.height()) - 1.5) < 0.01
        # The box is the picture's shape and the picture fills it (whole pixels: 24×16 ×6). It was a 120×160
        # portrait box with the landscape letterboxed in its middle (seen under Xvfb at 1024×700 and 1600×1000).
        qtbot.waitUntil(lambda: dlg.preview.isVisible(), timeout=HANG_GUARD_MS)
        assert (dlg.preview.width(), dlg.preview.height()) == (144, 96)
        assert r == QRectF(dlg.preview.rect())
    finally:
        dlg.close()
    from studio.ui.explore.export_dialog import preview_size

    assert [preview_size(*s).toTuple() for s in ((16, 24), (64, 64), (28, 16), (384, 256))] == [
        (96, 144), (128, 128), (140, 80), (160, 107)]


def test_a_square_picture_is_fitted_to_the_landscape_and_the_note_says_so(qtbot, tab, tmp_path: Path):
    Image.fromarray(np.full((30, 30, 3), 90, np.uint8)).save(tmp_path / "square.png")
    said: list[str] = []
    tab.message.connect(said.append)
    tab.tools["projection"].project(str(tmp_path / "square.png"), steps=3)
    qtbot.waitUntil(lambda: tab.runs.jobs.get("projection") is None, timeout=HANG_GUARD_MS)
    assert ("Projected square.png (the 30×30 picture was cropped to its centre 30×20 and scaled to 24×16 px, the "
            "model's shape).") in said, said
    # Inpainting: the note when the picture opens, the dimmed border outside the 3:2 window.
    panel = tab.tools["inpaint"].panel
    assert panel.open_picture(str(tmp_path / "square.png"))
    assert "cropped to its centre 30×20 and scaled to 24×16 px" in panel.status.text()
    assert panel.canvas.model_size == (16, 24)


def test_nearest_training_images_are_landscapes(qtbot, tab):
    tab.tools["nearest"].check()
    nearest = tab.tools["nearest"].panel
    qtbot.waitUntil(lambda: tab.runs.jobs.get("nearest") is None and nearest.list.count() > 0, timeout=HANG_GUARD_MS)
    item = tab.tools["nearest"].panel.list.item(0)
    pix = item.icon().pixmap(tab.tools["nearest"].panel.list.iconSize())
    assert abs(aspect_of(pix.width(), pix.height()) - 1.5) < 0.1, (pix.width(), pix.height())


def test_snapshot_compare_and_timelapse_keep_the_shape(qtbot, landscape_run: Path):
    from studio.core.formats.run import RunDir
    from studio.core.images import grid_columns
    from studio.ui.widgets.live_tab import LiveTab
    from studio.ui.widgets.snapshot_compare import SnapshotCompare

    run = RunDir(landscape_run)
    compare = SnapshotCompare()
    qtbot.addWidget(compare)
    compare.set_checkpoints([(s, str(p)) for s, p in run.checkpoints()])
    compare.seeds.setText("0-5")
    compare.compare()
    qtbot.waitUntil(lambda: compare.worker is None and not compare.views[1].image.isNull(),
                    timeout=HANG_GUARD_MS)
    cols, rows = cells(compare.views[0].image, 24, 16)
    assert (cols, rows) == (grid_columns(6, 16, 24), 3)  # 2 × 3 landscapes: about square, not 3 × 2
    compare.shutdown()
    # The timelapse: a saved snapshot grid is shown as it is, landscapes laid out for their shape.
    live = LiveTab()
    qtbot.addWidget(live)
    live.set_frames([(s, str(p)) for s, p in run.snapshots()])
    assert live.frames, "the run saved no snapshot"
    live.show_frame(*live.frames[-1])
    cells(live.grid.image, 24, 16)
