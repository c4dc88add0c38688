"""Train upscaler… in the Explore tab, offscreen, on a real tiny run (16 px pictures from a folder of 64 px
ones): it trains in the background while the window stays live, Stop keeps what was learned, and the
Export dialog then offers (and uses) the learned ×2 after Lanczos."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from studio.core.formats.png_recipe import read_embedded
from tests.conftest import HANG_GUARD_MS
from tests.ui.conftest import open_explore_tab


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("upscaler-ui")
    data = write_demo_data(base / "images", count=24, size=64)
    Trainer(TrainConfig(data=str(data), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=4,
                        device="cpu", steps=2), base / "run").train()
    yield base / "run"
    torch.set_num_threads(n)


@pytest.fixture
def tab(qtbot, run_dir: Path, tmp_path: Path):
    yield from open_explore_tab(qtbot, run_dir, tmp_path / "cache", (1200, 800))


def test_train_upscaler_in_the_background_then_export_with_it(qtbot, tab, run_dir: Path, tmp_path: Path):
    tab.show_export()
    sizes = [tab.dialogs.export.scale.itemText(i) for i in range(tab.dialogs.export.scale.count())]
    assert not any("learned" in s for s in sizes) and "x2 (Lanczos, 32×32 px)" in sizes
    tab.dialogs.export.close()

    assert tab.ui.upscaler_button.isEnabled()
    tab.ui.upscaler_button.click()
    dlg = tab.dialogs.upscaler
    assert "×2: none yet" in dlg.have.text()
    dlg.scale.setCurrentIndex(dlg.scale.findData(2))
    dlg.minutes.setValue(0.1)
    dlg.train_button.click()
    assert dlg.job is not None and not dlg.train_button.isEnabled() and dlg.cancel_button.isEnabled()
    # The GUI thread keeps handling events while it trains: its progress arrives as signals.
    qtbot.waitUntil(lambda: "×2: step" in dlg.status.text(), timeout=HANG_GUARD_MS)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=HANG_GUARD_MS)
    assert "×2 trained for" in dlg.status.text() and "Lanczos" in dlg.status.text(), dlg.status.text()
    assert (run_dir / "upscaler" / "x2.safetensors").is_file() and "×2: none yet" not in dlg.have.text()
    dlg.close()

    tab.show_export()
    exp = tab.dialogs.export
    # Lanczos first: it measured better on generated pictures; the learned upscale is offered after it
    assert exp.scale.itemText(1) == "x2 (Lanczos, 32×32 px)"
    assert exp.scale.itemText(2) == "x2 (learned from your folder, 32×32 px)"
    exp.folder.setText(str(tmp_path / "out"))
    exp.scale.setCurrentIndex(2)
    with qtbot.waitSignal(exp.exported, timeout=HANG_GUARD_MS) as sig:
        exp.export_button.click()
    recipe = read_embedded(sig.args[0]).recipe
    assert recipe.upscale == 2 and recipe.upscaler == "learned" and recipe.upscaler_sha256
    qtbot.waitUntil(lambda: exp.worker is None, timeout=HANG_GUARD_MS)
    exp.close()


def test_stop_keeps_what_was_learned(qtbot, tab, run_dir: Path):
    tab.show_upscaler()
    dlg = tab.dialogs.upscaler
    dlg.scale.setCurrentIndex(dlg.scale.findData(4))
    dlg.minutes.setValue(60)
    dlg.train_button.click()
    qtbot.waitUntil(lambda: "step" in dlg.status.text(), timeout=HANG_GUARD_MS)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: dlg.job is None, timeout=HANG_GUARD_MS)
    assert "×4 stopped after" in dlg.status.text(), dlg.status.text()
    assert (run_dir / "upscaler" / "x4.safetensors").is_file()
    dlg.close()
