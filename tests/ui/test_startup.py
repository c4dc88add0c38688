"""The window must appear fast: nothing on its import path may import torch (it loads in a thread)."""

from __future__ import annotations

import os
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


SHOWN = """
import os, sys, tempfile
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from studio.ui.base.threads import collect_garbage_in_gui_thread
from studio.ui.main_window import MainWindow
collect_garbage_in_gui_thread()
home = tempfile.mkdtemp()
window = MainWindow(home=home, cache=home, settings=QSettings(os.path.join(home, 's.ini'), QSettings.Format.IniFormat))
window.show()
late = sorted(m for m in ('torch', 'pyqtgraph') if m in sys.modules)
assert not late, f'imported before the window showed: {late}'
"""


def test_the_welcome_window_shows_before_torch_and_pyqtgraph_load():
    """pyqtgraph's import (about 0.4 s) and torch's (seconds) stay off the launch path: the curves are built
    when first shown, the garbage collector's timer is our own, torch loads in a thread after the window."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", SHOWN], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
