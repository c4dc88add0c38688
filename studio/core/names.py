"""The names a run's settings choose from, torch-free: the CLI builds `--help` and the window its lists
from here without loading torch. Each is owned by the module that implements it (models, augmentation,
devices, precision), which imports its tuple from here; the losses have their own registry
(training/losses.py, also torch-free at import)."""

from __future__ import annotations

MODEL_NAMES = ("dcgan", "style", "quickstyle")
# The models with a w per layer (a mapping network, style mixing, noise inputs, layer ranges): what style
# mixing, the noise tool and w-space projection need. "quickstyle" is the style model for CPUs.
STYLE_MODELS = ("style", "quickstyle")
# What the window and the messages call each model.
MODEL_LABELS = {"dcgan": "Quick", "style": "Style-based", "quickstyle": "Quick style-based"}
AUGMENT_MODES = ("ada", "diff", "none")
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
