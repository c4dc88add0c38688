"""The background choice of every export, offscreen with real widgets: Explore's Export dialog and Ctrl+E's
Save dialog offer "as trained (#ffffff)", transparent around the subject, or transparent wherever the colour
shows, default to transparent around the subject when the training folder had see-through pictures, and the
choice reaches the file (RGBA, recorded in the recipe; a live grid's gaps clear, each cell's white inside kept)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from studio.core.formats.png_recipe import read_embedded
from studio.ui.base.qimage import to_qimage
from studio.ui.sample_export import EVERYWHERE, TRANSPARENT
from tests.conftest import HANG_GUARD_MS
from tests.core.test_transparent_export import disc_folder, train
from tests.ui.conftest import open_explore_tab, open_tiny


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2-step 16 px runs: one on transparent discs, one on the opaque demo pictures."""
    from studio.core.demo import write_demo_data

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("transparent-ui")
    out = {"discs": train(disc_folder(base / "discs", 16, 16), base / "discs-run", 16),
           "wide": train(disc_folder(base / "wide", 24, 16), base / "wide-run", 24, "3:2"),
           "opaque": train(write_demo_data(base / "demo", count=16, size=16), base / "opaque-run", 16)}
    torch.set_num_threads(n)
    return out


def export_once(qtbot, dlg, folder: Path, name: str) -> Path:
    dlg.folder.setText(str(folder))
    dlg.name.setText(name)
    with qtbot.waitSignal(dlg.exported, timeout=HANG_GUARD_MS) as sig:
        dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=HANG_GUARD_MS)
    return Path(sig.args[0])


@pytest.mark.parametrize("run, size", [("discs", (32, 32)), ("wide", (48, 32))])
def test_explore_export_offers_transparency_and_it_reaches_the_file(qtbot, runs, tmp_path: Path, run: str,
                                                                    size: tuple[int, int]):
    for t in open_explore_tab(qtbot, runs[run], tmp_path / "cache", (1200, 800)):
        t.show_export()
        dlg = t.dialogs.export
        labels = [dlg.background.itemText(i) for i in range(dlg.background.count())]
        assert labels == ["As trained (#ffffff)", "Transparent around the subject",
                          "Transparent wherever #ffffff shows"]
        assert dlg.background.currentData() == "edges"  # the folder had transparent pictures
        dlg.scale.setCurrentIndex(dlg.scale.findData(2))
        png = export_once(qtbot, dlg, tmp_path / "out", "clear")
        with Image.open(png) as im:
            assert im.mode == "RGBA" and im.size == size
        recipe = read_embedded(png).recipe
        assert recipe.transparent and recipe.transparent_region == "edges"
        dlg.background.setCurrentIndex(2)
        png = export_once(qtbot, dlg, tmp_path / "out", "all")
        with Image.open(png) as im:
            assert im.mode == "RGBA" and im.size == size
        recipe = read_embedded(png).recipe
        assert recipe.transparent and recipe.transparent_region == "everywhere"
        dlg.background.setCurrentIndex(0)
        png = export_once(qtbot, dlg, tmp_path / "out", "clear")
        assert png.name == "clear-2.png"  # never overwrites
        with Image.open(png) as im:
            assert im.mode == "RGB"
        assert not read_embedded(png).recipe.transparent
        # Animations keep the trained background; the PNG choice comes back afterwards.
        dlg.background.setCurrentIndex(2)
        dlg.kind.setCurrentIndex(dlg.kind.findData("walk"))
        assert not dlg.background.isEnabled() and dlg.request().transparent is False
        dlg.kind.setCurrentIndex(dlg.kind.findData("image"))
        assert dlg.background.isEnabled() and dlg.request().transparent is True
        assert dlg.request().transparent_region == "everywhere"
        dlg.close()


def test_explore_export_of_an_opaque_folder_defaults_to_as_trained(qtbot, runs, tmp_path: Path):
    for t in open_explore_tab(qtbot, runs["opaque"], tmp_path / "cache", (1200, 800)):
        t.show_export()
        assert t.dialogs.export.background.currentData() is None
        t.dialogs.export.close()


def white_grid() -> QImage:
    """A live sample grid (core.images.grid_image: 2 px black frame and gaps): in each of four 24 x 16 cells a
    dark ring with a white inside, on white."""
    from studio.core.images import grid_image
    from tests.core.test_transparent_export import ring_on_white

    cells = torch.from_numpy(np.stack([ring_on_white(24, 16)] * 4)).permute(0, 3, 1, 2).float() / 127.5 - 1
    return to_qimage(grid_image(cells, nrow=2))


@pytest.mark.parametrize("choice", ["around", "everywhere"])
def test_ctrl_e_type_choice_reaches_the_file(qtbot, window, tmp_path: Path, choice: str):
    window.views.grid.set_image(white_grid(), "step 1")
    target = tmp_path / "out" / "grid.png"
    (tmp_path / "out").mkdir()
    seen: list[str] = []
    everywhere = EVERYWHERE.format(colour="#ffffff")

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QFileDialog):
            QTimer.singleShot(50, answer)
            return
        seen.extend(dlg.nameFilters())
        seen.append(dlg.selectedNameFilter())
        dlg.selectNameFilter(TRANSPARENT if choice == "around" else everywhere)
        dlg.selectFile(str(target))
        dlg.accept()

    QTimer.singleShot(0, answer)
    window.export_dialog()  # what Ctrl+E does
    assert seen[-1].startswith("PNG image on the trained background #ffffff")  # opaque (no folder): as trained
    assert TRANSPARENT in seen and everywhere in seen
    with Image.open(target) as im:
        assert im.mode == "RGBA" and im.size == (54, 38)
        px = np.asarray(im)
    assert px[0, 0, 3] == 0 and px[:, 27, 3].max() == 0 and px[19, :, 3].max() == 0  # frame and gaps: clear
    assert px[2, 2, 3] == 0 and px[2 + 8, 2 + 5, 3] > 230  # a cell's white corner clear; its ring kept
    assert px[2 + 8, 2 + 12, 3] == (255 if choice == "around" else 0)  # the white inside the ring


def test_ctrl_e_preselects_transparent_for_a_transparent_folder(qtbot, window, tmp_path: Path):
    open_tiny(qtbot, window, disc_folder(tmp_path / "discs", 16, 16))
    assert window.dataset.report.transparent == 16
    dlg = window.sample_export.file_dialog()
    assert dlg.selectedNameFilter() == TRANSPARENT
    dlg.deleteLater()


def test_ctrl_e_opens_in_the_export_folder(qtbot, window, tmp_path: Path):
    """The Save dialog shows the export folder itself (it used to show home, with "Pictures/GAN Studio/
    samples.png" typed into the name, when the folder did not exist yet)."""
    folder = tmp_path / "Pictures" / "GAN Studio"
    window.set_export_folder(str(folder))
    dlg = window.sample_export.file_dialog()
    assert Path(dlg.directory().absolutePath()) == folder
    dlg.deleteLater()
