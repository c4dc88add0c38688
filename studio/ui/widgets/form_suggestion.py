"""The studio's suggestion for a folder, under the training form: it sets the form (core.training.suggest and
core.shape.suggest_aspect), says why in one readable sentence — with its time while the form holds it before
Start, only its settings once the artist changed them — and is timed again at this machine's measured speed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox

from studio.ui.widgets.form_values import select

if TYPE_CHECKING:
    from studio.core.training.suggest import Suggestion


class SuggestedForm(Protocol):
    """What the suggestion sets and reads of the training panel (ui/widgets/train_panel.py, which holds it)."""

    shape: Any  # ShapeFields
    model: QComboBox
    augment: QComboBox
    mirror: QCheckBox
    length: QDoubleSpinBox
    length_unit: QComboBox

    def form_key(self) -> tuple: ...

    def show_hint(self) -> None: ...


class FormSuggestion:
    """The suggestion of the folder open in `panel` (None when there is none) and the form as it set it."""

    def __init__(self, panel: SuggestedForm) -> None:
        self.panel = panel
        self.suggestion: Suggestion | None = None
        self._suggested_form: tuple = ()  # the form as the suggestion set it: its time is the form's while it holds
        self._shape_why = ""
        self._suggest_for: tuple = ()  # what suggest() was given, and the folder's shape

    def suggest(self, dataset_size: int, sizes: list[tuple[int, int]], gpu: bool, cache: Path | None) -> None:
        """Suggest for this folder (its images' `sizes`) and device. The time it promises is measured for the
        shape (a 48×32 picture is not a 48 px square)."""
        from studio.core.shape import suggest_aspect

        aspect, why = suggest_aspect(sizes)
        self._suggest_for = (dataset_size, sizes, gpu, cache, aspect)
        self._shape_why = "" if not sizes else f" Shape: {why}."
        self._apply(self._suggest())

    def forget(self) -> None:
        self.suggestion = None

    def _suggest(self) -> Suggestion:
        """The core's suggestion for the folder, from the speeds measured here so far (else typical ones)."""
        from studio.core.speed_probe import cached_speed_at_shape
        from studio.core.training.suggest import median_side, suggest

        dataset_size, sizes, gpu, cache, aspect = self._suggest_for
        device = "auto" if gpu else "cpu"
        return suggest(dataset_size, median_side(sizes, aspect), gpu, aspect=aspect,
                       speed=lambda model, res: cached_speed_at_shape(model, res, device, aspect, folder=cache))

    def _apply(self, s: Suggestion) -> None:
        p = self.panel
        p.shape.select_resolution(s.aspect, s.resolution)
        p.shape.enlarge.setChecked(not s.gpu)  # on a CPU, a large picture trains at half its size
        select(p.model, s.model)
        select(p.augment, s.augment)
        p.mirror.setChecked(s.mirror)
        select(p.length_unit, "minutes")
        p.length.setValue(s.minutes)
        self.suggestion = s
        self._suggested_form = p.form_key()
        p.show_hint()

    def time(self, images_per_second: float) -> bool:
        """This machine's measured speed for the form's settings arrived: while the form holds the suggestion, the
        suggestion is timed at it (core Suggestion.at_speed) — its sentence says the estimate's figure, and its
        length grows where this machine is slower, so that the suggested run is never "too short". The length is
        set without `settings_changed`: the estimate that follows is for the speed just measured.
        Where this size would need longer than the usual run, the suggestion, knowing this speed now, steps down to
        a smaller picture (never under 32 px): True then, and that size is measured next (no estimate before it)."""
        s, p = self.suggestion, self.panel
        if s is None or p.form_key() != self._suggested_form:
            return False
        timed = s.at_speed(images_per_second)
        if timed.minutes > timed.usual_minutes:
            smaller = self._suggest()  # the cache now holds this size's speed
            if smaller.resolution < s.resolution:
                self._apply(smaller)
                return True
        self.suggestion = timed
        p.length.blockSignals(True)
        p.length.setValue(timed.minutes)
        p.length.blockSignals(False)
        self._suggested_form = p.form_key()
        p.show_hint()
        return False

    def hint(self, blocker: str, state: str) -> str:
        """Why Start cannot be pressed; else the suggestion — with its time while the form holds it before Start (the
        same figure as the estimate below it), only its settings once the artist changed them (the estimate is then
        the form's) or a run trains (its countdown is then the time)."""
        s = self.suggestion
        if blocker:
            text = blocker
            if s is None:
                text += " There is nothing to suggest for it: the settings are the studio's defaults."
            return text
        if s is None:
            return ""
        if self.panel.form_key() == self._suggested_form and state == "idle":
            return s.reason + self._shape_why  # while a run trains, its own countdown is the screen's one time
        return s.settings + "." + self._shape_why
