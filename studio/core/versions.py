"""The versions an artist (or a bug report) needs: GAN Studio, Python, PyTorch, CUDA, the device.
Plain Python; the About dialog adds the Qt side."""

from __future__ import annotations

import platform
import sys

import studio


def cuda_summary() -> str:
    """"none" for a PyTorch built without CUDA; else its CUDA version and what it finds here."""
    import torch

    if torch.version.cuda is None:
        return "none"
    if not torch.cuda.is_available():
        return f"{torch.version.cuda} (no CUDA GPU found)"
    names = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    cudnn = torch.backends.cudnn.version()
    return f"{torch.version.cuda}, cuDNN {cudnn} — {names}" if cudnn else f"{torch.version.cuda} — {names}"


def runtime_versions() -> list[tuple[str, str]]:
    """(name, version) pairs, in the order they are shown."""
    import numpy
    import torch

    from studio.core.device import describe_device, pick_device

    mps = getattr(torch.backends, "mps", None)
    rows = [
        ("GAN Studio", studio.__version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform})"),
        ("PyTorch", torch.__version__),
        ("CUDA", cuda_summary()),
    ]
    if mps is not None and mps.is_available():
        rows.append(("Apple MPS", "available"))
    rows += [("Device (Auto)", describe_device(pick_device("auto"))), ("NumPy", numpy.__version__)]
    return rows
