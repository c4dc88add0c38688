"""Issue 5 in the window: the messy-input corpus through the folder loader, forged studio PNGs dropped on the
Explore tab, and exports into a full or unwritable folder — a readable message each time, never a crash."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage

from tests.conftest import HANG_GUARD_MS
from tests.core.test_input_corpus import build_corpus, forged_pngs


def test_corpus_through_the_folder_loader(qtbot, window, tmp_path: Path):
    expected = build_corpus(tmp_path / "corpus")
    window.open_folder(tmp_path / "corpus")
    qtbot.waitUntil(lambda: window.loader is None and window.dataset is not None, timeout=HANG_GUARD_MS)
    panel = window.views.dataset_panel
    skipped = {panel.skipped.item(r, 0).text(): panel.skipped.item(r, 1).text()
               for r in range(panel.skipped.rowCount())}
    for name, why in expected.items():
        if why is None:
            assert name not in skipped, f"{name}: {skipped.get(name)}"
        else:
            assert why in skipped[name], f"{name}: {skipped.get(name)}"
    used = window.dataset.report.used
    assert panel.count.text().startswith(f"{used} used of ") and used >= 11
    assert panel.skipped_box.isVisible() and panel.skipped_box.title() == f"Skipped files ({len(skipped)})"
    assert not panel.thumbnails.image.isNull()  # the good files are shown
    assert window.state == "idle" and window.views.train_panel.start_button.isEnabled()


def _drop(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    widget.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def test_forged_pngs_dropped_on_the_explore_tab(qtbot, tmp_path: Path):
    from studio.ui.explore.tab import ExploreTab

    tab = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(tab)
    said: list[str] = []
    tab.message.connect(said.append)
    for name, message in forged_pngs(tmp_path / "forged").items():
        said.clear()
        _drop(tab, tmp_path / "forged" / name)  # handled within the drop: the message is there when it returns
        assert said and message in said[0], (name, said)
        assert tab.ui.status.text() == said[0]
    tab.shutdown()


def _grid(window) -> None:
    img = QImage(64, 64, QImage.Format.Format_RGB888)
    img.fill(QColor("#3366aa"))
    window.views.grid.set_image(img, "test grid")


def test_sample_export_into_a_full_or_unwritable_folder(qtbot, window, tmp_path: Path, monkeypatch):
    from studio.core import export as export_mod

    _grid(window)
    out = tmp_path / "out"
    assert window.export_samples(out / "grid.png")
    before = (out / "grid.png").read_bytes()
    assert window.export_samples(out / "grid.png")  # never overwrites: numbered
    assert sorted(p.name for p in out.iterdir()) == ["grid-2.png", "grid.png"]
    for err, text in ((errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied")):
        def fail(fd, err=err, text=text):
            raise OSError(err, text)

        monkeypatch.setattr(export_mod.os, "fsync", fail)
        assert not window.export_samples(out / "grid.png")
        monkeypatch.undo()
        assert window.views.message_bar.level == "error" and text in window.views.message_bar.text
        assert "already there are intact" in window.views.message_bar.text
        assert (out / "grid.png").read_bytes() == before
        assert sorted(p.name for p in out.iterdir()) == ["grid-2.png", "grid.png"]  # no partial file
    # A destination the system really refuses: a chmod'ed folder for a user; /sys refuses even root.
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        os.chmod(locked, 0o500)
    else:
        locked = Path("/sys")
    try:
        assert not window.export_samples(locked / "grid.png")
    finally:
        if os.geteuid() != 0:
            os.chmod(locked, 0o755)
    bar = window.views.message_bar
    assert bar.level == "error" and f"Cannot write grid.png in {locked}" in bar.text


def test_explore_export_dialog_into_an_unwritable_folder(qtbot, tmp_path: Path, monkeypatch):
    from studio.core import export as export_mod
    from studio.ui.explore.tab import ExploreTab
    from tests.core.test_explore import make_run

    run = make_run("dcgan", tmp_path / "d")
    tab = ExploreTab(cache_dir=str(tmp_path / "cache"))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.checkpoint_opened, timeout=30_000):
        tab.open_checkpoint(str(run))
    qtbot.waitUntil(lambda: not tab.ui.view.image.isNull(), timeout=30_000)
    tab.show_export()
    dlg = tab.dialogs.export
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.name.setText("piece")
    with qtbot.waitSignal(dlg.exported, timeout=30_000):
        dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=10_000)
    before = (tmp_path / "out" / "piece.png").read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_mod.os, "fsync", full)
    dlg.export_button.click()
    assert dlg.worker is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=30_000)
    monkeypatch.undo()
    assert "No space left on device" in dlg.status.text() and "intact" in dlg.status.text()
    assert (tmp_path / "out" / "piece.png").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["piece.png"]
    dlg.close()
    tab.shutdown()


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_mode_collapse_warning_is_visible_in_the_window(qtbot, window, tiny_images: Path):
    """A freshly initialised DCGAN draws near-identical samples: with the monitor's grace period (meant for
    exactly that) set to zero, the real diversity check fires and the window shows its sentence."""
    from tests.ui.conftest import open_tiny

    open_tiny(qtbot, window, tiny_images)
    window.start_training()
    controls = window.training.controls
    qtbot.waitUntil(lambda: controls.trainer is not None, timeout=30_000)
    health = controls.trainer.health  # floats read by the training thread between steps
    health.min_kimg = health.warmup_kimg = 0.0
    qtbot.waitUntil(lambda: "mode collapse" in window.views.message_bar.text, timeout=30_000)
    assert window.views.message_bar.level == "warning" and window.views.message_bar.isVisible()
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
