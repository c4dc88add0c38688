"""The window must appear fast: nothing on its import path may import torch (it loads in a thread)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys, time
t = time.perf_counter()
import studio.app, studio.ui.main_window
assert 'torch' not in sys.modules, [m for m in sys.modules if m.startswith('studio')]
print(f'{time.perf_counter() - t:.2f}')
"""


def test_window_modules_do_not_import_torch():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
