"""The training panel's fields bound to a run's TrainConfig: one table (field, widget, to form, from form),
read both ways. The form becomes a TrainConfig (`read`) and a run's TrainConfig is shown in the form
(`show`) from the same rows, so the two directions cannot drift apart, and what a form leaves out takes
TrainConfig's own defaults (there are no second defaults here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from studio.ui.widgets.form_values import select

if TYPE_CHECKING:
    from studio.core.training.config import TrainConfig


def same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Binding:
    """One or more TrainConfig fields shown in one or more widgets. With several fields the values are
    tuples in the fields' order; with several widgets, in the widgets' order. `to_form` None: the form's
    value feeds the config, but a run's value is not shown (the device: a choice of this computer)."""

    fields: str | tuple[str, ...]
    widget: Any  # a form field, a tuple of them, or an object with form_value() / show_value(v)
    to_form: Callable[[Any], Any] | None = same  # the config's value -> the widget's
    from_form: Callable[[Any], Any] = same  # the widget's value -> the config's

    @property
    def names(self) -> tuple[str, ...]:
        return (self.fields,) if isinstance(self.fields, str) else self.fields


def value_of(widget: Any) -> Any:
    if isinstance(widget, tuple):
        return tuple(value_of(w) for w in widget)
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text()
    return widget.form_value()


def show_value(widget: Any, value: Any) -> None:
    if isinstance(widget, tuple):
        for w, v in zip(widget, value, strict=True):
            show_value(w, v)
    elif isinstance(widget, QComboBox):
        select(widget, value)
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.setValue(value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QLineEdit):
        widget.setText(str(value))
    else:
        widget.show_value(value)


def read(table: list[Binding]) -> dict[str, Any]:
    """The form's values as TrainConfig fields."""
    out: dict[str, Any] = {}
    for b in table:
        value = b.from_form(value_of(b.widget))
        out.update(zip(b.names, value if len(b.names) > 1 else (value,), strict=True))
    return out


def show(table: list[Binding], cfg: TrainConfig) -> None:
    """Show `cfg` in the form."""
    for b in table:
        if b.to_form is None:
            continue
        values = tuple(getattr(cfg, name) for name in b.names)
        shown = b.to_form(values if len(values) > 1 else values[0])
        if shown is not None:  # None: nothing to show (e.g. a run whose length was not given)
            show_value(b.widget, shown)


# ------------------------------------------------------------------ the converters the table uses
def optional_in(value: float | None) -> float:
    """An optional number shown in a spin box whose -1 reads "Auto"."""
    return -1.0 if value is None else float(value)


def optional_out(value: float) -> float | None:
    return None if value < 0 else value


def length_in(lengths: tuple[int | None, float | None, float | None]) -> tuple[float, str] | None:
    """(steps, kimg, minutes) -> (amount, unit): the run's own length in its own unit."""
    for value, unit in zip(lengths, ("steps", "kimg", "minutes"), strict=True):
        if value is not None:
            return (float(value), unit)
    return None


def length_out(form: tuple[float, str]) -> tuple[int | None, float | None, float | None]:
    amount, unit = form
    if unit == "steps":
        return (max(1, int(round(amount))), None, None)
    return (None, amount, None) if unit == "kimg" else (None, None, amount)


class TrainForm(Protocol):
    """What the table binds: the training panel's fields (ui/widgets/train_panel.py; not imported, which
    imports this table)."""

    model: QComboBox
    shape: Any  # ShapeFields: aspect, resolution and the ×2 enlargement
    source_box: Any  # SourceRunBox: the run fine-tuned from, if any
    augment: QComboBox
    background: QLineEdit
    batch: QSpinBox
    checkpoint_minutes: QDoubleSpinBox
    classes: QCheckBox
    device: QComboBox
    fit: QComboBox
    length: QSpinBox
    length_unit: QComboBox
    loss: QComboBox
    mirror: QCheckBox
    progressive: QCheckBox
    seed: QSpinBox
    width: QSpinBox
    ema: Any  # the advanced settings' fields: spin boxes, some optional
    inception: QLineEdit
    lr: Any
    metrics_every: Any
    r1: Any
    snapshot_minutes: Any


class ShapeBinding:
    """The shape fields as (aspect, resolution, enlarge): the size chosen is the picture the run makes; ticked
    "enlarge ×2" at that size, the generator trains at half of it (as `studio train` on a CPU). Growing and
    fine-tuning train at the size asked (the source network's), as in `studio train`."""

    def __init__(self, panel: TrainForm) -> None:
        self.panel = panel
        self.shape = panel.shape

    def form_value(self) -> tuple[str, int, int]:
        size = int(self.shape.resolution.currentData())
        k = self.shape.enlargement()
        if self.panel.progressive.isChecked() or self.panel.source_box.record() is not None:
            k = 1
        return (self.shape.aspect.currentData(), size // k, k)

    def show_value(self, value: tuple[str, int, int]) -> None:
        aspect, resolution, enlarge = value
        self.shape.enlarge.setChecked(enlarge > 1)
        self.shape.select_resolution(aspect, resolution * enlarge)


def bindings(p: TrainForm) -> list[Binding]:
    """The training panel's table. The fine-tuning source (`init_from`, `freeze_d`) is not in it: it is chosen
    with `set_source`, and a run shown to be resumed continues its own weights."""
    return [
        Binding("model", p.model),
        Binding(("aspect", "resolution", "enlarge"), ShapeBinding(p)),
        Binding("progressive", p.progressive),
        Binding("batch", p.batch),
        Binding(("steps", "kimg", "minutes"), (p.length, p.length_unit), length_in, length_out),
        Binding("seed", p.seed),
        Binding("device", p.device, to_form=None),
        Binding("loss", p.loss),
        Binding("augment", p.augment),
        Binding("classes", p.classes),
        Binding("fit", p.fit),
        Binding("background", p.background, same, lambda text: text.strip() or "#ffffff"),
        Binding("mirror", p.mirror),
        Binding(("lr_g", "lr_d"), p.lr, lambda lrs: lrs[0] or 0.0,
                lambda lr: (lr, lr) if lr > 0 else (None, None)),
        Binding("r1_gamma", p.r1, optional_in, optional_out),
        Binding("ema_kimg", p.ema, optional_in, optional_out),
        Binding("width", p.width),
        Binding("metrics_every", p.metrics_every, optional_in, optional_out),
        Binding("inception", p.inception, same, str.strip),
        Binding("snapshot_minutes", p.snapshot_minutes),
        Binding("checkpoint_minutes", p.checkpoint_minutes),
    ]
