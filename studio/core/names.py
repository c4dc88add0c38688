"""The names a run's settings choose from, torch-free: the CLI builds `--help` and the window its lists
from here without loading torch. Each is owned by the module that implements it (augmentation, devices,
precision), which imports its tuple from here; the losses and the models have their own registries
(training/losses.py, models/registry.py, also torch-free at import)."""

from __future__ import annotations

AUGMENT_MODES = ("ada", "diff", "none")
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
