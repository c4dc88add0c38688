"""Shared fixtures: tiny generated image folders and the shared real data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests wait for conditions (a signal, a file, a line of output), never for a time; this bounds each wait so
# that a hang fails instead of blocking the suite. Generous on purpose: a loaded 2-core machine is slow, and
# how fast something happens is measured in bench/, not asserted here.
HANG_GUARD_S = 120
HANG_GUARD_MS = HANG_GUARD_S * 1000
# Subprocesses (`python -m studio ...`, benches) import this checkout, whatever the venv's editable
# install happens to point at (CI clones elsewhere; a later `pip install -e` moves it).
_ROOT = str(Path(__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))

# ../shared/data beside the checkout; CI clones elsewhere, so the workplace's copy is a fallback.
_CANDIDATES = [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]
SHARED_DATA = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
TWEMOJI = Path(os.environ.get("GAN_STUDIO_TWEMOJI", SHARED_DATA / "twemoji-64"))


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    """24 small generated images (the embedded demo set)."""
    from studio.core.demo import write_demo_data

    return write_demo_data(tmp_path / "images", count=24, size=24)


@pytest.fixture
def twemoji_sample(tmp_path: Path) -> Path:
    """A handful of real RGBA emoji from ../shared/data (skipped when that folder is absent)."""
    if not TWEMOJI.is_dir():
        pytest.skip(f"shared data folder {TWEMOJI} is absent")
    out = tmp_path / "twemoji"
    out.mkdir()
    for p in sorted(TWEMOJI.glob("*.png"))[200:232]:
        (out / p.name).write_bytes(p.read_bytes())
    return out
