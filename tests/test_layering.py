"""studio.core must work with Qt unavailable (DESIGN.md: the core never imports Qt)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'superqt', 'qtpy'):
            raise ImportError('Qt is blocked in this test: ' + name)
        return None
sys.meta_path.insert(0, BlockQt())
import pkgutil, importlib, studio.core
for m in pkgutil.walk_packages(studio.core.__path__, 'studio.core.'):
    importlib.import_module(m.name)
import studio.cli
print('ok')
"""


def test_core_imports_without_qt():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
