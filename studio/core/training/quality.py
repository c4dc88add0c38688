"""Quality metrics during training: every `metrics_every` kimg a frozen copy of G_ema goes to a
background evaluator (core.metrics.probe); finished scores become `Quality` events, metrics.jsonl rows,
and the best checkpoint by KID (through the keeper)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

from studio.core.data import ImageFolder
from studio.core.formats.metrics_rows import Quality
from studio.core.formats.run import RunDir
from studio.core.metrics.evaluate import Evaluator, MetricsSettings
from studio.core.metrics.inception import availability
from studio.core.metrics.probe import QualityProbe
from studio.core.training.config import TrainConfig
from studio.core.training.events import Event, Message
from studio.core.training.keeper import Keeper
from studio.core.training.state import Networks, TrainState


class QualityTask:
    def __init__(self, cfg: TrainConfig, dataset: ImageFolder, device: torch.device, run: RunDir, nets: Networks,
                 state: TrainState, keeper: Keeper) -> None:
        self.cfg, self.dataset, self.device, self.run = cfg, dataset, device, run
        self.nets, self.state, self.keeper = nets, state, keeper
        self.probe: QualityProbe | None = None
        self.due = math.inf  # kimg of the next evaluation

    @property
    def running(self) -> bool:
        return self.probe is not None

    def open(self) -> Message | None:
        """Start the background evaluator when `metrics_every` asks for one; a message says so (or why not).
        Only rank 0 evaluates."""
        every = self.cfg.metrics_every or 0.0
        if every <= 0:
            return None
        ok, why = availability(self.cfg.inception or None)
        if not ok:
            return Message("warning", why + " Training goes on without them.")
        settings = MetricsSettings.for_device(self.device.type, self.cfg.inception or None)
        settings.fake_count = self.cfg.metrics_samples or settings.fake_count
        evaluator = Evaluator(self.dataset.images, settings, self.device, num_classes=self.dataset.num_classes)
        self.probe = QualityProbe(evaluator)
        self.due = (math.floor(self.state.kimg / every) + 1) * every
        return Message("info", f"Quality metrics (KID, FID, precision/recall, density/coverage) every {every:g} "
                               f"kimg on {settings.fake_count} generated images.")

    def events(self) -> Iterator[Event]:
        """Hand G_ema to the probe when due (the loop pays only for the copy) and report finished results."""
        probe = self.probe
        if probe is None:
            return
        if self.state.kimg >= self.due and not probe.busy:
            self.nets.sync_without_ema()
            if not self.run.checkpoint_path(self.state.step).exists():
                # The best-checkpoint keeper copies the evaluated step's checkpoint: make sure there is one.
                yield self.keeper.try_save("checkpoint")
            probe.submit(self.state.step, self.state.kimg, self.nets.G_ema)
            every = self.cfg.metrics_every
            self.due = (math.floor(self.state.kimg / every) + 1) * every
        for r in probe.results():
            if r.scores is None:
                yield Message("warning", f"{r.error} Quality metrics are off for the rest of this session.")
                self.close()
                return
            q = r.scores
            quality = Quality(r.step, r.kimg, q.kid, q.kid_std, q.fid, q.precision, q.recall, q.density,
                              q.coverage, q.fake_count, q.real_count, r.seconds)
            try:
                self.run.append_metrics(quality)
            except OSError:
                pass  # the loss records report a failing disk once already
            yield quality
            try:
                self.keeper.report_quality(r.step, q.kid)  # keeps the best checkpoint by KID
            except ValueError:
                pass  # that step's checkpoint was pruned meanwhile: this one cannot become the best

    def close(self) -> None:
        if self.probe is not None:
            self.probe.close()  # abandons a running evaluation
            self.probe = None
