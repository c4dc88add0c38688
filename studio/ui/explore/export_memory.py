"""What the Export dialog remembers of the artist's last choices: what, size, background, the animation's
format, frames and speed. Kept for the session by the tab's one `ExportMemory`, and across launches in the
window's QSettings (handed in; without it, the session only)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QSettings

GROUP = "export"


@dataclass(frozen=True)
class ExportChoices:
    kind: str = "image"  # "image" | "grid" | "keyframes" | "walk"
    scale: int = 1
    upscaler: str = "lanczos"  # of the size: "lanczos" | "learned"
    # The background per kind of run (trained on see-through pictures or not): None until the artist
    # chooses; "" as trained, "edges" or "everywhere" transparent. A run's own default stands until then.
    background_see_through: str | None = None
    background_opaque: str | None = None
    animation: str = ""  # the animation format's suffix (".gif", ...); "" the first offered
    frames: int = 60
    fps: int = 24

    def background(self, see_through: bool) -> str | None:
        return self.background_see_through if see_through else self.background_opaque

    def with_background(self, see_through: bool, choice: str) -> ExportChoices:
        field = "background_see_through" if see_through else "background_opaque"
        return dataclasses.replace(self, **{field: choice})


class ExportMemory:
    """The last `ExportChoices`: read once from `settings` (if any), written back on every change."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings
        self.choices = self._read() if settings is not None else ExportChoices()

    def remember(self, choices: ExportChoices) -> None:
        self.choices = choices
        if self.settings is None:
            return
        for f in dataclasses.fields(ExportChoices):
            value = getattr(choices, f.name)
            key = f"{GROUP}/{f.name}"
            if value is None:
                self.settings.remove(key)
            else:
                self.settings.setValue(key, value)

    def _read(self) -> ExportChoices:
        """Each stored value of the right kind; anything else (an older or hand-edited file) the default."""
        default, values = ExportChoices(), {}
        for f in dataclasses.fields(ExportChoices):
            raw = self.settings.value(f"{GROUP}/{f.name}")
            if raw is None:
                continue
            kind = type(getattr(default, f.name)) if getattr(default, f.name) is not None else str
            try:
                values[f.name] = kind(raw)
            except (TypeError, ValueError):
                continue
        return ExportChoices(**values)
