"""The layers in pyproject.toml's [tool.importlinter] contracts, checked by import-linter's own `lint-imports`
(a dev dependency): the core never imports Qt, the window and the CLI sit above the core, the core's packages,
exploring, the Trainer's parts and the formats each in their order. Unlike tests/test_layering.py (which
imports the core with Qt blocked), the contracts see imports that never run: inside functions, under
TYPE_CHECKING. tests/test_import_graph.py keeps what contracts do not say: no cycles, no two packages
importing each other, the torch-free modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the studio package and pyproject.toml under `root` (no cache left behind)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_contracts_are_kept():
    r = lint_imports(ROOT)
    assert r.returncode == 0 and "0 broken" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]
    assert "studio.core never imports Qt KEPT" in r.stdout


def test_a_qt_import_in_the_core_that_never_runs_breaks_the_contract(tmp_path: Path):
    shutil.copytree(ROOT / "studio", tmp_path / "studio", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "studio" / "core" / "images.py", "a") as f:
        f.write("\n\ndef _never_called():\n    from PySide6.QtGui import QImage  # noqa: F401\n")
    r = lint_imports(tmp_path)
    assert r.returncode != 0 and "studio.core never imports Qt BROKEN" in r.stdout, r.stdout[-3000:]
    assert "studio.core.images -> PySide6" in r.stdout


def test_every_explore_module_has_its_place_in_the_explore_layers():
    """A new operation in core/explore/ goes into the explore contract's layers, so its order is checked."""
    contract = next(c for c in read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
                    if c.get("containers") == ["studio.core.explore"])
    placed = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    present = {p.stem for p in (ROOT / "studio" / "core" / "explore").glob("*.py") if p.stem != "__init__"}
    assert sorted(present - placed) == []
