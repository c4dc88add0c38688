"""What an exported picture records about its upscale (torch-free: the recipe and the PNG reader use it):
Lanczos, or a run's learned upscale with its file's SHA-256 and training step, so that regenerating it
uses the very same network or says that the run's upscaler has changed since."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.errors import StudioError

LANCZOS, LEARNED = "lanczos", "learned"
UPSCALERS = (LANCZOS, LEARNED)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class UpscaleRecord:
    """Which upscale made an export: `upscaler` "lanczos" (and no file), or "learned" and its file."""

    upscaler: str = LANCZOS
    sha256: str | None = None  # the learned upscaler file's SHA-256
    step: int | None = None  # its training step (for people: the checksum is what is checked)

    def to_json(self) -> dict:
        """The fields a recipe or grid carries: none for Lanczos (so recipes from before stay as they were)."""
        if self.upscaler == LANCZOS:
            return {}
        return {"upscaler": self.upscaler, "upscaler_sha256": self.sha256, "upscaler_step": self.step}

    @classmethod
    def from_json(cls, d: dict, what: str = "recipe") -> UpscaleRecord:
        """From a recipe's or grid's JSON (untrusted); absent fields mean Lanczos (exports from before)."""
        r = cls(d.get("upscaler", LANCZOS), d.get("upscaler_sha256"), d.get("upscaler_step"))
        r.validate(what)
        return r

    def validate(self, what: str = "recipe") -> None:
        if self.upscaler not in UPSCALERS:
            raise StudioError(f"The {what}'s upscaler must be {' or '.join(UPSCALERS)}.")
        if self.upscaler == LEARNED:
            if not (isinstance(self.sha256, str) and _SHA256.match(self.sha256)):
                raise StudioError(f"The {what}'s learned upscaler needs the SHA-256 of its file.")
            if self.step is not None and (isinstance(self.step, bool) or not isinstance(self.step, int)
                                          or not 0 <= self.step < 2**53):
                raise StudioError(f"The {what}'s upscaler step must be a whole number.")
        elif self.sha256 is not None or self.step is not None:
            raise StudioError(f"The {what} names an upscaler file but says it used Lanczos.")
