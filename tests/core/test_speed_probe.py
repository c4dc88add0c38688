"""The speed probe trains for real, caches per (device, torch, model, resolution, batch, width) and never
re-measures what it knows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from studio.core.speed_probe import (
    CACHE_FILE,
    cached_record,
    cached_speed,
    device_label,
    kimg_in_minutes,
    measure_speed,
    probe_speed,
)


def test_probe_measures_and_caches(tmp_path: Path):
    assert cached_speed("dcgan", 16, "cpu", batch=4, folder=tmp_path) is None
    ips = probe_speed("dcgan", 16, "cpu", batch=4, seconds=0.2, folder=tmp_path)
    assert ips > 0
    assert cached_speed("dcgan", 16, "cpu", batch=4, folder=tmp_path) == pytest.approx(ips)
    record = cached_record("dcgan", 16, "cpu", batch=4, folder=tmp_path)
    assert record.batch == 4 and record.seconds >= 0.2 and record.torch == torch.__version__
    assert record.device == device_label("cpu") and record.device.startswith("CPU")
    # Another resolution, batch or model is another measurement.
    assert cached_speed("dcgan", 32, "cpu", batch=4, folder=tmp_path) is None
    assert cached_speed("dcgan", 16, "cpu", folder=tmp_path) is None
    assert cached_speed("style", 16, "cpu", batch=4, folder=tmp_path) is None


def test_automatic_batch_is_the_recipes(tmp_path: Path):
    record = measure_speed("dcgan", 16, "cpu", seconds=0.05)
    assert record.batch == 32  # TrainConfig.resolve's CPU batch at <= 64 px
    assert record.images_per_second > 0


def test_cancel_stops_the_probe_and_caches_nothing(tmp_path: Path):
    with pytest.raises(InterruptedError):
        probe_speed("dcgan", 16, "cpu", batch=4, seconds=30, cancel=lambda: True, folder=tmp_path)
    assert not (tmp_path / CACHE_FILE).exists()


def test_damaged_cache_is_measured_again(tmp_path: Path):
    (tmp_path / CACHE_FILE).write_text("{not json")
    assert cached_speed("dcgan", 16, "cpu", batch=4, folder=tmp_path) is None
    probe_speed("dcgan", 16, "cpu", batch=4, seconds=0.05, folder=tmp_path)
    assert len(json.loads((tmp_path / CACHE_FILE).read_text())) == 1


def test_kimg_in_minutes():
    assert kimg_in_minutes(100.0, 10) == pytest.approx(60.0)


def test_a_runs_own_speed_replaces_the_probes(tmp_path: Path):
    from studio.core.speed_probe import remember_run_speed

    probe_speed("dcgan", 16, "cpu", seconds=0.05, folder=tmp_path)
    remember_run_speed("dcgan", 16, "cpu", 123.0, 75.0, folder=tmp_path)
    record = cached_record("dcgan", 16, "cpu", folder=tmp_path)
    assert record.images_per_second == 123.0 and record.seconds == 75.0
    remember_run_speed("dcgan", 16, "cpu", 0.0, 75.0, folder=tmp_path)  # nothing measured: nothing replaced
    assert cached_speed("dcgan", 16, "cpu", folder=tmp_path) == 123.0
    remember_run_speed("dcgan", 16, "cpu", 50.0, 10.0, batch=8, folder=tmp_path)  # a chosen batch is its own key
    assert cached_speed("dcgan", 16, "cpu", folder=tmp_path) == 123.0
    assert cached_speed("dcgan", 16, "cpu", batch=8, folder=tmp_path) == 50.0


def test_a_figure_is_for_the_width_it_was_trained_at(tmp_path: Path):
    """The automatic width at 64 px on a CPU is 16 for the quick models; a figure measured at width 32 (an
    artist's choice, or the automatic width of an earlier version) trains fewer images/s and is not taken for it."""
    from studio.core.speed_probe import remember_run_speed

    remember_run_speed("quickstyle", 64, "cpu", 60.0, 75.0, folder=tmp_path, width=32)
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path) is None
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path, width=32) == 60.0
    remember_run_speed("quickstyle", 64, "cpu", 150.0, 75.0, folder=tmp_path)  # automatic: width 16 here
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path) == 150.0
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path, width=16) == 150.0  # the same run, said twice
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path, width=32) == 60.0
    # A figure cached before widths were part of the key (no "|w…") is not taken: it was measured at width 32.
    stale = json.loads((tmp_path / CACHE_FILE).read_text())
    (tmp_path / CACHE_FILE).write_text(json.dumps({key.rsplit("|", 1)[0]: row for key, row in stale.items()}))
    assert cached_speed("quickstyle", 64, "cpu", folder=tmp_path) is None


def test_the_probe_trains_at_the_width_asked(tmp_path: Path):
    narrow = probe_speed("dcgan", 16, "cpu", batch=4, seconds=0.05, folder=tmp_path, width=8)
    assert cached_speed("dcgan", 16, "cpu", batch=4, folder=tmp_path, width=8) == pytest.approx(narrow)
    assert cached_speed("dcgan", 16, "cpu", batch=4, folder=tmp_path) is None  # automatic is 32 at 16 px
