"""Where the studio keeps its per-user files: one answer for the window, the CLI and the core."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The per-user cache folder (metrics' reference features, PCA directions, measured speeds, the window's
    folder caches); `GAN_STUDIO_CACHE` overrides it, for the window as for the command line."""
    from platformdirs import user_cache_path

    return Path(os.environ.get("GAN_STUDIO_CACHE") or user_cache_path("gan-studio", appauthor=False))
