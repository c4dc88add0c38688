"""One per-user cache folder for the window, the CLI and the core; GAN_STUDIO_CACHE moves all of it."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_gan_studio_cache_moves_every_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from studio.core.explore.directions import default_cache_dir as directions_cache
    from studio.core.metrics.reference import default_cache_dir as metrics_cache
    from studio.core.places import cache_root
    from studio.core.speed_probe import cache_dir as speed_cache
    from studio.ui.main_window import default_cache as window_cache

    monkeypatch.setenv("GAN_STUDIO_CACHE", str(tmp_path / "elsewhere"))
    root = tmp_path / "elsewhere"
    assert cache_root() == root
    assert window_cache() == root  # the window used to ignore it: its folder caches went to the user's cache
    assert speed_cache() == root
    assert metrics_cache() == root / "metrics" and directions_cache() == root / "directions"


def test_without_it_the_platforms_cache_folder(monkeypatch: pytest.MonkeyPatch):
    from platformdirs import user_cache_path

    from studio.core.places import cache_root
    from studio.ui.main_window import default_cache as window_cache

    monkeypatch.delenv("GAN_STUDIO_CACHE", raising=False)
    assert cache_root() == window_cache() == user_cache_path("gan-studio", appauthor=False)
