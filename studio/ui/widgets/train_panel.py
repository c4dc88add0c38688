"""The training panel: model, resolution, batch, length, seed and device up front, the rest folded
under "Advanced"; Start / Pause / Resume / Stop. It turns the form into a core TrainConfig."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from studio.core.models.registry import ARCHITECTURES
from studio.core.shape import CanvasShape
from studio.ui.widgets import config_bindings, form_values
from studio.ui.widgets.advanced_settings import AdvancedSettings
from studio.ui.widgets.form_suggestion import FormSuggestion
from studio.ui.widgets.form_values import combo, select
from studio.ui.widgets.scroll import ColumnScroll
from studio.ui.widgets.shape_fields import ShapeFields
from studio.ui.widgets.source_run_box import SourceRunBox

if TYPE_CHECKING:
    from studio.core.training.config import TrainConfig
    from studio.core.training.finetune import SourceRun
    from studio.core.training.suggest import Suggestion

LENGTH_UNITS = (("minutes", "minutes"), ("thousand images", "kimg"), ("steps", "steps"))
STATES = ("empty", "idle", "loading", "training", "paused", "stopping", "following")


class TrainPanel(QWidget):
    start_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    settings_changed = Signal()  # model, shape, resolution, batch, length or device: the estimate is stale

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "empty"
        self._resumable = False
        self.model = combo(tuple((a.choice, a.name) for a in ARCHITECTURES.values()))  # models/registry.py
        self.model.setToolTip(" ".join(f"{a.label}: {a.help}." for a in ARCHITECTURES.values()))
        self.shape = ShapeFields()
        self.aspect, self.resolution, self.shape_label = self.shape.aspect, self.shape.resolution, self.shape.size
        self.aspect.currentIndexChanged.connect(self._show_stages)
        self.model.currentIndexChanged.connect(self._show_stages)
        self.resolution.currentIndexChanged.connect(self._show_stages)
        self.batch = QSpinBox()
        self.batch.setRange(0, 4096)
        self.batch.setSpecialValueText("Auto")
        self.batch.setToolTip("Images per step (Auto: chosen from the resolution and the device)")
        self.length = QDoubleSpinBox()
        self.length.setRange(0.1, 1e7)
        self.length.setDecimals(1)
        self.length.setValue(10)
        self.length.setToolTip("How long to train, in the unit on the right. You can stop earlier or resume later")
        self.length_unit = combo(LENGTH_UNITS)
        self.length_unit.setToolTip("Minutes of training, thousands of images shown to the discriminator (kimg), or "
                                    "steps (one step: one batch)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Starting point of the random numbers: the same seed and settings give the same run")
        self.device = combo(())
        self.device.addItem("Auto (detecting…)", "auto")
        self.device.addItem("CPU", "cpu")
        self.device.setToolTip("Where to train. Auto picks a GPU when there is one, else the CPU")
        self.resume_box = QCheckBox("Continue from the run's latest checkpoint")
        self.resume_box.setEnabled(False)
        self.resume_box.setToolTip("Resume training where the open run's last checkpoint left it")
        self.resume_box.toggled.connect(self._on_resume_toggled)
        self.resume_note = QLabel("Resuming continues the run as it was set up: only its length and the device "
                                  "can change.")
        self.resume_note.setWordWrap(True)
        self.resume_note.setEnabled(False)
        self.resume_note.hide()
        self._run_config: TrainConfig | None = None  # the open run's settings, shown (locked) while resuming
        self._blocker = ""  # why Start cannot be pressed ("" when it can)

        length_row = QHBoxLayout()
        length_row.addWidget(self.length, 1)
        length_row.addWidget(self.length_unit, 1)
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Shape", self.aspect)
        form.addRow("Resolution", self.shape.row)
        form.addRow("", self.shape.enlarge)
        self.progressive = QCheckBox("Grow progressively")
        self.progressive.toggled.connect(self._show_stages)
        form.addRow("", self.progressive)
        form.addRow("Batch", self.batch)
        form.addRow("Length", length_row)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)

        # Advanced options, folded away.
        adv = AdvancedSettings()
        self.adv = adv
        self.loss, self.augment, self.classes, self.fit = adv.loss, adv.augment, adv.classes, adv.fit
        self.background, self.mirror, self.lr, self.r1, self.ema = adv.background, adv.mirror, adv.lr, adv.r1, adv.ema
        self.width, self.metrics_every, self.inception = adv.width, adv.metrics_every, adv.inception
        self.snapshot_minutes, self.checkpoint_minutes = adv.snapshot_minutes, adv.checkpoint_minutes
        self.run_folder, self.metrics_note = adv.run_folder, adv.metrics_note
        self.advanced = QCollapsible("Advanced", expandedIcon="▼", collapsedIcon="▶")  # ▶ folded, ▼ open
        self.advanced.addWidget(adv)
        self.advanced.toggleButton().setToolTip("Show or hide the less common settings")

        self.start_button = QPushButton("Start training")
        self.start_button.setToolTip("Start training (Ctrl+Return)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume after the current step (Space)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and save a checkpoint")
        for b in (self.start_button, self.pause_button, self.stop_button):
            b.setMinimumHeight(32)
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button.clicked.connect(self._on_pause)
        self.stop_button.clicked.connect(self.stop_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.pause_button, 1)
        buttons.addWidget(self.stop_button, 1)
        # The studio's suggestion for the folder (or why Start cannot be pressed): readable text, not disabled grey.
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.suggester = FormSuggestion(self)
        # What to expect before Start: speed here, time to first usable samples and to the end.
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.estimate.setToolTip("Measured on this computer with a few seconds of real training; "
                                 "a rule of thumb for when samples start to look like the folder")
        self.estimate.hide()
        for sig in (self.model.currentIndexChanged, self.aspect.currentIndexChanged,
                    self.resolution.currentIndexChanged, self.batch.valueChanged,
                    self.length.valueChanged, self.length_unit.currentIndexChanged,
                    self.device.currentIndexChanged, self.width.valueChanged, self.shape.enlarge.toggled):
            sig.connect(lambda *_: self.settings_changed.emit())
        self.settings_changed.connect(self.show_hint)

        # The settings scroll; the hint, the estimate and Start / Pause / Stop below them never do.
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.addLayout(form)
        bl.addWidget(self.resume_box)
        bl.addWidget(self.resume_note)
        self.source_box = SourceRunBox()
        self.source_box.changed.connect(self._show_stages)
        bl.addWidget(self.source_box)
        bl.addWidget(self.advanced)
        bl.addStretch(1)
        self.scroll = ColumnScroll(body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll, 1)
        footer = QVBoxLayout()
        footer.setContentsMargins(9, 0, 9, 9)
        footer.addWidget(self.hint)
        footer.addWidget(self.estimate)
        footer.addLayout(buttons)
        lay.addLayout(footer)
        self._settings_widgets = [self.model, self.aspect, self.resolution, self.batch, self.length, self.length_unit,
                                  self.seed, self.device, self.resume_box, adv, self.progressive, self.source_box,
                                  self.shape.enlarge]
        # What a resumed run can still change (studio.core.training.trainer: only the length and the device).
        self._resume_editable = [self.length, self.length_unit, self.device, self.resume_box]
        self._defaults = form_values.take(form_values.fields(self, keep=(self.device, self.resume_box)))
        self.bindings = config_bindings.bindings(self)  # the form <-> TrainConfig table, read both ways
        self._show_stages()
        self.set_state("empty")

    def reset_form(self) -> None:
        """Every setting back to its default (the device, a choice of this computer, stays): a new folder
        does not inherit the last one's batch, width or metrics interval."""
        form_values.put(self._defaults)
        self.source_box.set_source(None)
        self.forget_folder()
        self._run_config = None

    def forget_folder(self) -> None:
        """The folder closed: its suggestion and its estimate go with it (nothing of it shows for the next)."""
        self.suggester.forget()
        self.set_estimate("")
        self.show_hint()

    # ------------------------------------------------------------------ defaults
    def set_devices(self, auto_name: str, extra: list[tuple[str, str]]) -> None:
        """`auto_name`: what "Auto" resolves to (a GPU's name, or "CPU"); `extra`: (label, value) choices."""
        current = self.device.currentData()
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItem(f"Auto — {auto_name}", "auto")
        self.device.addItem("CPU", "cpu")
        for label, value in extra:
            self.device.addItem(label, value)
        self.device.blockSignals(False)
        select(self.device, current)

    def suggest_defaults(self, dataset_size: int, sizes: list[tuple[int, int]], gpu: bool,
                         cache: Path | None = None) -> None:
        """The studio's suggestion for this folder and device (FormSuggestion): the user can change any."""
        self.suggester.suggest(dataset_size, sizes, gpu, cache)

    def time_suggestion(self, images_per_second: float) -> bool:
        """This machine's speed for the form's settings arrived (FormSuggestion.time): True when the suggestion
        stepped down to a smaller picture, whose speed is measured next."""
        return self.suggester.time(images_per_second)

    @property
    def suggestion(self) -> Suggestion | None:
        return self.suggester.suggestion

    def form_key(self) -> tuple:
        """What the suggestion's time depends on: while these are as it set them, its time is the form's."""
        return (self.model.currentData(), self.aspect.currentData(), self.resolution.currentData(),
                self.shape.enlargement(), self.batch.value(),
                self.width.value(), self.length.value(), self.length_unit.currentData(), self.device.currentData())

    def show_hint(self) -> None:
        self.hint.setText(self.suggester.hint(self._blocker, self.state))

    def canvas(self) -> CanvasShape | None:
        """The picture's shape the form asks for (None if the core cannot make it)."""
        return self.shape.canvas()

    def _show_stages(self) -> None:
        """The growing box names its first stage by the form's shape; a model that trains at one size (the
        registry's `grows`; the core refuses growing it) turns the box off and says why."""
        shape = self.canvas()
        start = shape.at_scale(8).px if shape is not None else "8 px"
        kind = ARCHITECTURES.get(self.model.currentData())
        # Growing and fine-tuning train at the size asked (config_bindings.ShapeBinding): the ×2 box says so.
        self.shape.enlarge.setEnabled(self.model.isEnabled() and not self.progressive.isChecked()
                                      and self.source_box.record() is None)
        if kind is not None and not kind.grows:
            growing = " or the ".join(a.label for a in ARCHITECTURES.values() if a.grows)
            self.progressive.setChecked(False)
            self.progressive.setEnabled(False)
            self.progressive.setToolTip(f"The {kind.label} model trains at one size: choose the {growing} model "
                                        "to grow progressively")
            return
        self.progressive.setEnabled(self.model.isEnabled())
        self.progressive.setToolTip(f"Start at {start} and double the size on a schedule, fading each new layer in "
                                    "(ProGAN); the progress bar shows the current size")

    @property
    def metrics_available(self) -> bool:
        return self.adv.metrics_available

    def set_resumable(self, resumable: bool) -> None:
        self._resumable = resumable
        self.resume_box.setChecked(resumable)
        self.set_state(self.state)

    @property
    def resuming(self) -> bool:
        return self._resumable and self.resume_box.isChecked()

    def _on_resume_toggled(self, on: bool) -> None:
        if on and self._run_config is not None:
            self.set_from_config(self._run_config)  # what the resume will really train
        self.set_state(self.state)

    def set_blocker(self, reason: str) -> None:
        """Why Start cannot be pressed (e.g. the folder has no usable image); '' when it can. A folder that
        cannot be read has no suggestion and no estimate: the last folder's never stay."""
        self._blocker = reason
        if reason:
            self.forget_folder()
        self.set_state(self.state)

    @property
    def blocked(self) -> str:
        return self._blocker

    def _update_start_text(self) -> None:
        self.start_button.setText("Resume training" if self.resume_box.isChecked() and self._resumable
                                  else "Start training")

    # ------------------------------------------------------------------ the config
    def config(self, data: str) -> TrainConfig:
        """The form as a core TrainConfig (automatic values left for the core to resolve; what the form
        does not show keeps TrainConfig's defaults)."""
        from studio.core.training.config import TrainConfig

        return TrainConfig(data=data, **config_bindings.read(self.bindings),
                           init_from=self.source_box.record(), freeze_d=self.source_box.freeze_d())

    def trained_resolution(self) -> int:
        """The long side the generator trains at: the size chosen, or half of it when enlarged ×2."""
        return config_bindings.ShapeBinding(self).form_value()[1]

    def set_source(self, source: SourceRun | None) -> None:
        """Fine-tune from `source` (a core SourceRun): the network's settings follow it."""
        if source is not None:
            select(self.model, source.spec.name)
            self.shape.select_canvas(source.spec.canvas)
            self.width.setValue(source.spec.width)
        self.source_box.set_source(source)

    def show_model(self, model: str, canvas: CanvasShape) -> None:
        """Name the model and picture size of a checkpoint opened on its own (the panel stays disabled)."""
        select(self.model, model)
        self.shape.select_canvas(canvas)

    def set_from_config(self, cfg: TrainConfig) -> None:
        """Show an existing run's settings (its config.json, read by TrainConfig); kept to be shown again
        (locked) when the run is resumed, whatever was changed in the form meanwhile."""
        self._run_config = cfg
        config_bindings.show(self.bindings, cfg)
        self.source_box.set_source(None)  # a resumed run continues its own weights

    def set_estimate(self, text: str) -> None:
        """Show the core's sentence about speed and duration ('' hides it)."""
        self.estimate.setText(text)
        self.estimate.setVisible(bool(text))

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        assert state in STATES, state
        self.state = state
        editable = state == "idle"
        resuming = self.resuming
        for w in self._settings_widgets:
            w.setEnabled(editable and (not resuming or w in self._resume_editable))
        self.resume_box.setEnabled(editable and self._resumable)
        self.resume_note.setVisible(resuming)
        self.start_button.setEnabled(state == "idle" and not self._blocker)
        self.start_button.setToolTip(self._blocker or "Start training (Ctrl+Return)")
        self.show_hint()
        self.pause_button.setEnabled(state in ("training", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.stop_button.setEnabled(state in ("loading", "training", "paused"))
        self._update_start_text()
        self._show_stages()

    def _on_pause(self) -> None:
        if self.state == "paused":
            self.resume_requested.emit()
        elif self.state == "training":
            self.pause_requested.emit()
