"""The names a run's settings choose from, torch-free: the CLI builds `--help` and the window its lists
from here without loading torch. Each is owned by the module that implements it (models, augmentation,
devices, precision), which imports its tuple from here; the losses have their own registry
(training/losses.py, also torch-free at import)."""

from __future__ import annotations

MODEL_NAMES = ("dcgan", "style")
AUGMENT_MODES = ("ada", "diff", "none")
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
