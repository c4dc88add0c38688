"""The Explore tab, offscreen, on a real tiny checkpoint: canvas drags and undo, mixer cells, export, favourites."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QImage

from studio.core.explore.canvas import CanvasState
from studio.core.explore.render import Recipe, Renderer
from studio.core.export import regenerate
from studio.core.formats.png_recipe import read_embedded
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab, tiny_explore_run
from tests.core.test_explore import make_run


def to_array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3).copy()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    yield from tiny_explore_run(tmp_path_factory, "style", "explore-ui")


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1200, 800))


def settle(qtbot, tab) -> np.ndarray:
    qtbot.waitUntil(lambda: tab._shown >= tab._latest, timeout=HANG_GUARD_MS)
    return to_array(tab.ui.view.image)


def test_drag_changes_image_and_undo_restores(qtbot, tab):
    before = settle(qtbot, tab)
    c = tab.ui.canvas
    a = c.to_widget(*tab.model.state.cursor).toPoint()
    pin = tab.model.state.pins[0]
    target = c.to_widget(pin.x + 0.02, pin.y + 0.02).toPoint()
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=a + QPoint(0, 30))
    for i in range(1, 6):
        qtbot.mouseMove(c, a + (target - a) * i / 5)
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=target)
    after = settle(qtbot, tab)
    assert not np.array_equal(before, after), "dragging towards a pin did not change the image"
    assert tab.model.can_undo()
    tab.ui.controls.undo_button.click()
    assert np.array_equal(settle(qtbot, tab), before)
    tab.ui.controls.redo_button.click()
    assert np.array_equal(settle(qtbot, tab), after)
    # the shown image is exactly the core's image of the recipe
    r = Renderer.open(tab.checkpoint)
    assert np.array_equal(r.render(tab.current_recipe), after)


class Collector(QObject):
    """A receiver living in the GUI thread, so cross-thread emissions reach it queued, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[int] = []

    @Slot(int, QImage, object)
    def take(self, token: int, image: QImage, recipe: object) -> None:
        self.tokens.append(token)


def test_requests_coalesce_latest_wins(qtbot, tab):
    collector = Collector()
    seen = collector.tokens
    tab.worker.image_ready.connect(collector.take)
    before = tab._latest
    with tab.worker._cv:  # the worker takes no job meanwhile: however fast it is, all 40 wait together
        for i in range(40):
            tab.model.move_cursor(i / 40, 0.5, record=False)
            tab.render()
    last = tab._latest
    # The tab's slot and the collector's are two queued calls: wait for both.
    qtbot.waitUntil(lambda: tab._shown == last and last in seen, timeout=HANG_GUARD_MS)
    assert [t for t in seen if t > before] == [last], (seen, last)  # stale requests dropped, the newest shown
    assert tab.model.state.cursor == (39 / 40, 0.5)


def test_direction_slider_moves_the_image_and_reset_restores(qtbot, tab):
    before = settle(qtbot, tab)
    tab.tools["directions"].panel.sliders[0].setValue(30)  # +3 standard deviations along the first principal direction
    moved = settle(qtbot, tab)
    assert not np.array_equal(before, moved)
    assert tab.current_recipe.directions == [[0, 3.0]]
    tab.tools["directions"].panel.reset()
    assert np.array_equal(settle(qtbot, tab), before)
    tab.undo()
    assert np.array_equal(settle(qtbot, tab), moved)


def test_noise_switches_reach_the_recipe(qtbot, tab):
    n = len(tab.tools["noise"].panel.boxes)
    assert n == tab.info.noise_layers > 0
    tab.tools["noise"].panel.mode.setCurrentIndex(tab.tools["noise"].panel.mode.findData("random"))
    tab.tools["noise"].panel.seed.setValue(7)
    tab.tools["noise"].panel.boxes[0].setChecked(False)
    settle(qtbot, tab)
    r = tab.current_recipe
    assert r.noise_mode == "random" and r.noise_seed == 7 and r.noise_layers == [False] + [True] * (n - 1)
    tab.undo()
    settle(qtbot, tab)
    assert tab.tools["noise"].panel.boxes[0].isChecked() and tab.current_recipe.noise_layers is None


def test_mixer_cell_reflects_seeds(qtbot, tab):
    m = tab.tools["mixer"].panel
    m.rows.setText("1,2")
    m.cols.setText("10,11")
    m.layers.setCurrentText("coarse")
    with qtbot.waitSignal(tab.worker.mix_ready, timeout=HANG_GUARD_MS):
        m.request()
    qtbot.waitUntil(lambda: m.result is not None and m.result.cols == 3, timeout=HANG_GUARD_MS)
    res = m.result
    grid = to_array(m.view.image)
    step = res.cell_w + res.gap
    assert res.cell_h == res.cell_w  # a square run
    assert grid.shape[:2] == (3 * step - res.gap, 3 * step - res.gap)
    r = Renderer.open(tab.checkpoint)
    coarse = r.G.layer_groups()["coarse"]
    expect = r.render(Recipe(seeds=[2], mix_seed=11, mix_layers=[coarse.start, coarse.stop]))
    assert np.array_equal(grid[2 * step: 2 * step + 16, 2 * step: 2 * step + 16], expect)
    chosen = []
    m.cell_chosen.connect(chosen.append)
    rect = m.view.target_rect()
    qtbot.mouseClick(m.view, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.x() + rect.width() * (2 * step + 8) / grid.shape[1]),
                                int(rect.y() + rect.height() * (2 * step + 8) / grid.shape[0])))
    assert chosen and chosen[0].seeds == [2] and chosen[0].mix_seed == 11
    assert np.array_equal(settle(qtbot, tab), expect)  # the cell went to the canvas


def test_export_writes_files_with_metadata(qtbot, tab, tmp_path: Path):
    tab.show_export()
    dlg = tab.dialogs.export
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.name.setText("piece")
    dlg.scale.setCurrentIndex(dlg.scale.findData(2))
    with qtbot.waitSignal(dlg.exported, timeout=HANG_GUARD_MS) as sig:
        dlg.export_button.click()
    png = Path(sig.args[0])
    assert png.name == "piece.png"
    emb = read_embedded(png)
    assert emb.recipe is not None and emb.recipe.upscale == 2 and emb.recipe.w is not None
    r = Renderer.open(tab.checkpoint)
    assert np.array_equal(regenerate(emb, r), np.asarray(__import__("PIL.Image").Image.open(png).convert("RGB")))
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=HANG_GUARD_MS)
    dlg.kind.setCurrentIndex(dlg.kind.findData("walk"))
    dlg.frames.setValue(6)
    with qtbot.waitSignal(dlg.exported, timeout=HANG_GUARD_MS) as sig:
        dlg.export_button.click()
    assert sig.args[0].endswith("piece.gif") and dlg.progress.value() == dlg.progress.maximum()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=HANG_GUARD_MS)
    # "Show in folder" opens where the file went, and the next export starts there (the window keeps it).
    assert dlg.show_button.isEnabled() and dlg.saved.parent == tmp_path / "out"
    assert tab.export_folder == str(tmp_path / "out")
    dlg.close()


def test_favourites_are_saved_with_the_run(qtbot, tab, run_dir: Path):
    tab.add_favourite()
    fav = run_dir / "favourites.json"
    assert fav.exists() and tab.ui.favourite_strip.count() >= 1
    from studio.core.explore.canvas import Favourites

    assert Favourites.load(run_dir).items[-1].recipe.w is not None
    fav.unlink()


def test_project_a_picture_onto_the_canvas(qtbot, tab, tmp_path: Path):
    from PIL import Image

    r = Renderer.open(tab.checkpoint)
    Image.fromarray(r.render(Recipe(seeds=[21]))).resize((40, 30)).save(tmp_path / "mine.png")
    said: list[str] = []
    tab.message.connect(said.append)
    tab.tools["projection"].project(str(tmp_path / "mine.png"), steps=20)
    assert tab.runs.jobs.get("projection") is not None and not tab.ui.controls.project_button.isEnabled()
    qtbot.waitUntil(lambda: tab.runs.jobs.get("projection") is None, timeout=HANG_GUARD_MS)
    # 40×30 onto a 16×16 model: the note says how it was fitted.
    assert ("Projected mine.png (the 40×30 picture was cropped to its centre 30×30 and scaled to 16×16 px, the "
            "model's shape).") in said, said
    state = tab.model.state
    assert state.w is not None
    shown = settle(qtbot, tab)
    assert np.array_equal(shown, r.render(state.recipe()))


def test_walk_and_favourites_loop_play(qtbot, tab):
    tab.ui.controls.seed.setValue(5)
    tab.ui.controls.speed.setValue(60)
    tab.ui.controls.play.setChecked(True)
    first = tab._shown
    qtbot.waitUntil(lambda: tab._shown > first + 2, timeout=HANG_GUARD_MS)  # frames keep coming
    tab.ui.controls.play.setChecked(False)
    assert not tab.walk.timer.isActive()
    for seed in (1, 2):
        tab.model.add_pin(seed, 0.5, 0.5)
        tab.render()
        settle(qtbot, tab)
        tab.add_favourite()
    tab.ui.play_favourites.setChecked(True)
    start = tab._shown
    qtbot.waitUntil(lambda: tab._shown > start + 2, timeout=HANG_GUARD_MS)
    assert tab.current_recipe.w is not None and tab.current_recipe.seeds == []
    tab.ui.play_favourites.setChecked(False)
    assert not tab.walk.timer.isActive()
    (Path(tab.checkpoint).parent.parent / "favourites.json").unlink()


def test_favourites_in_the_mixer(qtbot, tab):
    tab.model.add_pin(4, 0.5, 0.5)
    tab.render()
    settle(qtbot, tab)
    tab.add_favourite()
    fav = tab.favourites.store.items[-1].recipe
    m = tab.tools["mixer"].panel
    m.rows.setText("f1")
    m.cols.setText("3")
    m.layers.setCurrentText("fine")
    # 1 row x 1 column + headers = 4 cells (the grid requested on opening may still be arriving)
    with qtbot.waitSignal(tab.worker.mix_ready, timeout=HANG_GUARD_MS,
                          check_params_cb=lambda token, image, res: len(res.cells) == 4) as sig:
        m.request()
    res = sig.args[2]
    r = Renderer.open(tab.checkpoint)
    from studio.core.explore.mixing import layer_range, mix_ws

    fine = layer_range("fine", r)
    expect = r.synthesize(mix_ws(r.ws(fav), r.seed_ws([3]), fine))
    assert np.array_equal(r.render(res.cells[3]), expect)  # row f1 x column seed 3
    m.rows.setText("f9")
    said = []
    m.message.connect(said.append)
    m.request()
    assert said and "no favourite f9" in said[0]
    (Path(tab.checkpoint).parent.parent / "favourites.json").unlink()


def test_drop_an_exported_png_reopens_its_recipe(qtbot, tab, tmp_path: Path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from studio.core.export import Exporter

    r = Renderer.open(tab.checkpoint)
    recipe = Recipe(seeds=[33], truncation=0.5)
    png = Exporter(tmp_path).save_recipe(r, recipe, "dropped.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png))])
    ev = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    tab.dropEvent(ev)
    assert np.array_equal(settle(qtbot, tab), r.render(recipe))


def test_a_png_from_another_checkpoint_is_refused_with_a_sentence(qtbot, tab, tmp_path: Path):
    """The checksum policy holds in the window as in `studio regenerate`: a picture whose recorded
    checkpoint has changed since (its SHA-256 differs) would be drawn differently, so its recipe is not used."""
    from studio.core.export import Exporter

    r = Renderer.open(tab.checkpoint)
    before = tab.model.state
    meta = r.describe(Recipe(seeds=[33], truncation=0.5))
    meta["gan-studio:checkpoint-sha256"] = "0" * 64  # the checkpoint at that path is no longer the maker
    png = Exporter(tmp_path).save_png(r.render(Recipe(seeds=[33], truncation=0.5)), "changed.png", meta)
    assert not tab.open_picture(str(png))
    assert "is not the checkpoint that made changed.png" in tab.ui.status.text()
    assert tab.model.state == before


def test_nearest_training_images_button(qtbot, tab):
    tab.tools["nearest"].check()
    assert tab.runs.jobs.get("nearest") is not None
    qtbot.waitUntil(lambda: tab.tools["nearest"].panel.list.count() == 8, timeout=HANG_GUARD_MS)
    assert "discriminator" in tab.tools["nearest"].panel.title.toolTip()  # the sentence stays in plain words
    # Each picture is named by its file ("#248 0.084" said nothing an artist could find in the folder).
    import json

    folder = Path(json.loads((Path(tab.checkpoint).parent.parent / "config.json").read_text())["data"])
    files = {p.name for p in folder.rglob("*") if p.is_file()}
    items = [tab.tools["nearest"].panel.list.item(i) for i in range(8)]
    assert all(item.text() in files for item in items), [item.text() for item in items]
    assert all(item.toolTip().splitlines()[0] in {str(p.relative_to(folder)) for p in folder.rglob("*")}
               for item in items)
    qtbot.waitUntil(lambda: tab.runs.jobs.get("nearest") is None, timeout=HANG_GUARD_MS)
    assert list(Path(tab.cache_dir, "nearest").glob("*-nearest-discriminator-*.npy"))


def test_bad_checkpoint_is_a_message_and_dcgan_disables_mixing(qtbot, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(t)
    with qtbot.waitSignal(t.message, timeout=HANG_GUARD_MS, check_params_cb=lambda m: "does not exist" in m):
        t.open_checkpoint(str(tmp_path / "nowhere"))
    run = make_run("dcgan", tmp_path / "d")
    with qtbot.waitSignal(t.checkpoint_opened, timeout=HANG_GUARD_MS):
        t.open_checkpoint(str(run))
    mixer = t.tools["mixer"].panel
    assert not mixer.enabled_for_model and "needs the style-based model" in mixer.view.placeholder
    noise = t.tools["noise"].panel
    assert not noise.isEnabled() and noise.note.text() == "The Quick model has no noise inputs."
    qtbot.waitUntil(lambda: t._shown >= t._latest and not t.ui.view.image.isNull(), timeout=HANG_GUARD_MS)
    t.shutdown()


def test_the_quick_style_model_has_noise_controls(qtbot, tmp_path: Path):
    """Issue 27 item 4: the Noise tab said "no noise inputs" on the Quick style-based model, which has them."""
    from studio.ui.explore.tab import ExploreTab

    t = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(t)
    with qtbot.waitSignal(t.checkpoint_opened, timeout=HANG_GUARD_MS):
        t.open_checkpoint(str(make_run("quickstyle", tmp_path / "q")))
    noise = t.tools["noise"].panel
    assert noise.isEnabled() and len(noise.boxes) == t.info.num_ws and noise.note.text() == ""
    qtbot.waitUntil(lambda: t._shown >= t._latest and not t.ui.view.image.isNull(), timeout=HANG_GUARD_MS)
    t.shutdown()


def test_pins_show_their_pictures(qtbot, tab):
    qtbot.waitUntil(lambda: set(tab.ui.canvas.thumbs) == {p.seed for p in tab.model.state.pins}, timeout=HANG_GUARD_MS)
    r = Renderer.open(tab.checkpoint)
    seed = tab.model.state.pins[0].seed
    assert np.array_equal(to_array(tab.ui.canvas.thumbs[seed]), r.render(Recipe(seeds=[seed])))
    tab.model.add_pin(77, 0.9, 0.1)
    tab._edit()
    qtbot.waitUntil(lambda: 77 in tab.ui.canvas.thumbs, timeout=HANG_GUARD_MS)
    tab.ui.controls.truncation.setValue(50)  # as the arrow keys do: no slider release
    qtbot.waitUntil(lambda: 77 in tab.ui.canvas.thumbs, timeout=HANG_GUARD_MS)
    assert np.array_equal(to_array(tab.ui.canvas.thumbs[77]), r.render(Recipe(seeds=[77], truncation=0.5)))


def test_a_reopened_run_brings_back_its_pins_and_truncation(qtbot, tab, run_dir: Path, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    tab.model.add_pin(77, 0.1, 0.9)
    tab._edit()
    tab.ui.controls.truncation.setValue(70)  # what a drag or the arrow keys do
    tab.shutdown()  # closing writes what is pending
    saved = tab.model.state
    assert (run_dir / "canvas.json").exists()

    again = ExploreTab(cache_dir=str(tmp_path / "cache2"))
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.checkpoint_opened, timeout=HANG_GUARD_MS):
        again.open_checkpoint(str(run_dir))
    state = again.model.state
    assert state.pins == saved.pins and state.cursor == saved.cursor and state.truncation == 0.7
    assert again.ui.controls.psi() == 0.7 and again.ui.canvas.state.pins == saved.pins
    assert not again.model.can_undo()  # a fresh history for the reopened canvas
    qtbot.waitUntil(lambda: again._shown >= again._latest and not again.ui.view.image.isNull(), timeout=HANG_GUARD_MS)
    assert 77 in again.current_recipe.seeds
    again.shutdown()

    (run_dir / "canvas.json").write_text("{not json")  # a damaged file: said, and the default canvas kept
    third = ExploreTab(cache_dir=str(tmp_path / "cache3"))
    qtbot.addWidget(third)
    said: list[str] = []
    third.message.connect(said.append)
    with qtbot.waitSignal(third.checkpoint_opened, timeout=HANG_GUARD_MS):
        third.open_checkpoint(str(run_dir))
    assert any("cannot be read" in m for m in said) and third.model.state.pins == CanvasState().pins
    third.model.add_pin(5, 0.5, 0.5)
    third._edit()
    third.shutdown()
    assert (run_dir / "canvas.json").read_text() == "{not json"  # kept as it was, not written over


def test_a_narrow_tab_puts_the_canvas_among_the_tools(qtbot, tab):
    """Three columns where they fit; on a narrow page the canvas becomes the first tool tab, and the page
    asks for no more width than that arrangement needs (it never scrolls sideways)."""
    column = tab.ui.columns.canvas
    tab.ui.side_tabs.setCurrentWidget(tab.tools["directions"].panel)
    tab.resize(tab.ui.columns.wide_width() - 100, 760)
    qtbot.waitUntil(lambda: not tab.ui.columns.wide, timeout=HANG_GUARD_MS)
    assert tab.ui.side_tabs.indexOf(column) == 0 and tab.ui.side_tabs.currentWidget() is tab.tools["directions"].panel
    assert tab.minimumSizeHint().width() <= tab.width()
    tab.ui.side_tabs.setCurrentWidget(column)
    assert tab.ui.canvas.isVisible() and tab.ui.view.isVisible()
    tab.resize(tab.ui.columns.wide_width() + 40, 800)
    qtbot.waitUntil(lambda: tab.ui.columns.wide, timeout=HANG_GUARD_MS)
    assert tab.ui.side_tabs.indexOf(column) == -1 and tab.ui.canvas.isVisible() and tab.ui.columns.indexOf(column) == 0


TOOLS = ("Canvas", "Directions", "Style mixer", "Noise", "Atlas", "Inpaint")


def _tools_in_view(tab) -> set[str]:
    """The tool names an artist can see and click: tabs inside their bar, buttons inside the page."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QTabBar

    seen = set()
    for w in tab.findChildren(QTabBar):
        if w.isVisible():
            seen |= {w.tabText(i) for i in range(w.count()) if 0 <= w.tabRect(i).left() and w.tabRect(i).right() < w.width()}
    for w in tab.findChildren(QAbstractButton):
        if w.isVisible() and tab.rect().contains(QRect(w.mapTo(tab, QPoint(0, 0)), w.size())):
            seen.add(w.text())
    return seen


def test_every_tool_is_in_view_on_the_narrowest_page(qtbot, tab):
    """At 1024 × 700 the Explore page is about 610 px wide: the six tools' tab bar hid Atlas and Inpaint
    behind scroll arrows. Each tool is now a button in view, at every width, and a click opens it."""
    from tests.ui import layout_checks

    for width in (tab.minimumSizeHint().width(), 610, tab.ui.columns.wide_width() - 1):
        tab.resize(width, 700)
        qtbot.waitUntil(lambda: not tab.ui.columns.wide, timeout=HANG_GUARD_MS)
        layout_checks.settle()
        missing = [t for t in TOOLS if t not in _tools_in_view(tab)]
        assert not missing, f"at {width} px the tools {missing} are out of view"
        assert layout_checks.hidden_tabs(tab) == []
    for page, name in ((tab.tools["atlas"].panel, "Atlas"), (tab.tools["inpaint"].panel, "Inpaint")):
        button = next(b for b in tab.ui.side_tabs.buttons() if b.text() == name)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert tab.ui.side_tabs.currentWidget() is page and button.isChecked()


def test_another_checkpoint_starts_with_its_own_history(qtbot, tab, tmp_path: Path):
    """History thumbnails and nearest images belong to the model that drew them: opening another checkpoint
    (here a copy of the run's) drops the last one's, and its own first image starts the history."""
    import shutil

    from studio.ui.explore.render_worker import NearestMatch, NearestResult

    marker = Recipe(seeds=[4242])
    tab.ui.history.add(tab.ui.view.image, marker)
    picture = QImage(8, 8, QImage.Format.Format_RGB888)
    tab.tools["nearest"].panel.show_result(NearestResult("pixels", (NearestMatch(picture, 0.5, 0, "old.png"),)))
    assert marker in tab.ui.history.recipes() and tab.tools["nearest"].panel.list.count() == 1
    other = tmp_path / "other.safetensors"
    shutil.copyfile(tab.checkpoint, other)
    if Path(tab.checkpoint).with_suffix(".json").exists():  # its sidecar
        shutil.copyfile(Path(tab.checkpoint).with_suffix(".json"), other.with_suffix(".json"))
    with qtbot.waitSignal(tab.checkpoint_opened, timeout=HANG_GUARD_MS):
        tab.open_checkpoint(str(other))
    assert marker not in tab.ui.history.recipes(), "the last model's history was kept"
    assert tab.tools["nearest"].panel.list.count() == 0 and "press the button" in tab.tools["nearest"].panel.title.text()


def test_truncation_keys_make_one_history_entry_and_the_slider_is_long(qtbot, tab):
    """Issue 15, defect 10: the slider was ~35 px (a 19-px drag moved ψ from 1.00 to 0.00) and each arrow-key
    step added a History entry (14 near-identical thumbnails). Fourteen steps are now one entry, once the
    keys rest, and the slider gives a pixel no more than 0.01 of ψ."""
    settle(qtbot, tab)
    slider = tab.ui.controls.truncation
    assert slider.width() >= slider.maximum() - slider.minimum() - 30  # ~150 values over >= 120 px
    before = tab.ui.history.count()
    slider.setFocus()
    for _ in range(14):  # a person's pace: each step's picture arrives before the next key
        qtbot.keyClick(slider, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: tab._shown >= tab._latest, timeout=HANG_GUARD_MS)
    assert slider.value() == 86
    qtbot.waitUntil(lambda: not tab._editing and tab._shown >= tab._latest, timeout=HANG_GUARD_MS)
    qtbot.waitUntil(lambda: tab.ui.history.count() == before + 1, timeout=HANG_GUARD_MS)
    qtbot.wait(1000)  # longer than the keys' rest (700 ms): no further entry comes
    assert tab.ui.history.count() == before + 1
