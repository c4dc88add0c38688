"""The Export dialog's sizes: native, and ×2 / ×4 with the upscale learned from the run's folder where the
run has one ("x2 (learned from your folder, 48×32 px)", offered after Lanczos) and with Lanczos."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

UPSCALER_ROLE = Qt.ItemDataRole.UserRole + 1  # the size item's upscaler: "lanczos" | "learned"


def size_choices(checkpoint: str | None, width: int, height: int) -> list[tuple[str, int, str]]:
    """(label, scale, upscaler) of each size an export can have, for a picture of width × height (0: unknown)."""
    from studio.core.upscale.learned import learned_header

    out = []
    for s in (1, 2, 4):
        size = f", {width * s}×{height * s} px" if width else ""
        if s == 1:
            out.append((f"x1 (native{size})", 1, "lanczos"))
            continue
        out.append((f"x{s} (Lanczos{size})", s, "lanczos"))
        if checkpoint and learned_header(Path(checkpoint), s) is not None:
            # After Lanczos: it measured sharper on real pictures but worse on generated ones (bench/RESULTS.md)
            out.append((f"x{s} (learned from your folder{size})", s, "learned"))
    return out
