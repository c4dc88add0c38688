"""The training loop: steps until the run's length, a stop, or divergence, and one small scheduler of
periodic tasks between steps — progress reports (which read the losses back and check them for NaN/Inf),
metrics.jsonl rows, live sample grids, the health check, snapshots, checkpoints and quality metrics.

Every task runs at its own rate in training seconds, the same in the window and the CLI (the window
only adds live samples). The loop yields typed events and knows nothing of Qt.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from studio.core.formats.metrics_rows import LossRow
from studio.core.formats.run import RunDir
from studio.core.training.config import TrainConfig, total_steps
from studio.core.training.distributed import DistContext
from studio.core.training.events import Event, Finished, Message, Paused, Progress, Samples, Saved
from studio.core.training.health import HealthMonitor, HealthWarning
from studio.core.training.keeper import Keeper
from studio.core.training.quality import QualityTask
from studio.core.training.recovery import Recovery
from studio.core.training.state import TrainState
from studio.core.training.step import GanStep

# What a task's run may return: None (go on), SKIP (the rest of this round is skipped: the state was
# rolled back), or a reason to end the run.
SKIP = "skip"
TaskRun = Callable[[], Generator[Event, None, str | None]]


@dataclass
class Periodic:
    """A task due every `seconds` of training time, once at each of the times in `marks` (on the first
    step at or past it), on the step that ends the run when `at_end`, and whenever `also()` says so.
    `last` is when it last ran (-inf: due at once)."""

    name: str
    seconds: float
    run: TaskRun
    last: float = -math.inf
    at_end: bool = False
    also: Callable[[], bool] | None = None
    marks: tuple[float, ...] = ()

    def due(self, now: float, ending: bool) -> bool:
        return (now - self.last >= self.seconds or any(self.last < t <= now for t in self.marks)
                or (self.at_end and ending) or (self.also is not None and self.also()))


class Scheduler:
    def __init__(self, tasks: list[Periodic]) -> None:
        self.tasks = tasks

    def run(self, now: float, ending: bool) -> Generator[Event, None, str | None]:
        """Run the due tasks in order; stop at the first that returns an outcome, and return it."""
        for task in self.tasks:
            if task.due(now, ending):
                task.last = now
                outcome = yield from task.run()
                if outcome is not None:
                    return outcome
        return None


@dataclass
class Rates:
    """Seconds of training time between runs of each periodic task (the Trainer's class attributes)."""

    report: float = 0.2  # progress events (and the host sync that reads losses) at most 5 Hz
    log: float = 1.0  # metrics.jsonl records
    samples: float = 1.0  # live sample grids, when the window asks for them
    health: float = 5.0  # mode-collapse check on the fixed-seed samples
    sync_every: int = 16  # steps between the ranks' agreement on stopping (distributed runs)
    # A session's first checkpoints, before the run's own `checkpoint_minutes` take over: a run killed in
    # its first minute (a crash, a closed laptop) can be resumed, and loses at most half of what it trained.
    early_checkpoints: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0)


class Loop:
    def __init__(self, cfg: TrainConfig, run: RunDir, dist: DistContext, device: torch.device, state: TrainState,
                 gan: GanStep, step: Callable[[], object], keeper: Keeper, recovery: Recovery,
                 quality: QualityTask, health: HealthMonitor, previews: Callable[[], torch.Tensor],
                 grid: Callable[[], np.ndarray], rates: Rates, live_samples: bool,
                 pause: threading.Event, stop: threading.Event,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        # What `minutes` counts: wall-clock seconds, or (benches on a shared machine) the thread's CPU seconds.
        self.clock = clock
        self.cfg, self.run, self.dist, self.device, self.state = cfg, run, dist, device, state
        self.gan, self.step, self.keeper, self.recovery, self.quality = gan, step, keeper, recovery, quality
        self.health, self.previews, self.grid = health, previews, grid
        self.rates, self.live_samples, self.pause, self.stop = rates, live_samples, pause, stop
        self.target = total_steps(cfg)
        self.budget = cfg.minutes * 60 if cfg.minutes is not None else None
        self.session_seconds = 0.0
        self.ending = False
        self._reported_nimg, self._reported_at = state.nimg, 0.0
        self._last_good = 0.0
        self._log: dict[str, list[float]] = {}
        self._ips = 0.0
        self._metrics_failed = False
        self.checkpoint_path: Path | None = None

    # ------------------------------------------------------------------ the tasks
    def tasks(self) -> list[Periodic]:
        cfg, r = self.cfg, self.rates
        tasks = [Periodic("report", r.report, self._report, at_end=True),
                 Periodic("log", r.log, self._write_log, at_end=True)]
        if self.live_samples:
            tasks.append(Periodic("samples", r.samples, self._samples))
        tasks += [
            # Also on the step that ends the run: a headless run that ends collapsed says so before it exits.
            Periodic("health", r.health, self._check_health, at_end=True),
            Periodic("snapshot", cfg.snapshot_minutes * 60, self._snapshot, last=0.0),
            Periodic("pending", 0.0, self._pending),
            Periodic("quality", 0.0, self._quality),
            Periodic("checkpoint", cfg.checkpoint_minutes * 60, self._checkpoint, last=0.0,
                     also=lambda: cfg.checkpoint_every > 0 and self.state.step % cfg.checkpoint_every == 0,
                     marks=r.early_checkpoints),
        ]
        return tasks

    def _report(self) -> Generator[Event, None, str | None]:
        state = self.state
        losses = self.gan.meter.read()
        if not all(math.isfinite(v) for v in losses.values()):
            self.recovery.recoveries += 1
            yield from self.keeper.keep_before_trouble("losses became NaN/Inf")
            if self.dist.active:  # a roll-back on one rank would desynchronise the others
                yield Message("error", "Training diverged (losses NaN/Inf). Resume from the last "
                                       "checkpoint with a lower learning rate.")
                return "diverged"
            if self.recovery.exhausted:
                yield Message("error", "Training diverged again after 3 recoveries (losses NaN/Inf). "
                                       "Try a lower learning rate, the hinge loss, a larger R1 gamma "
                                       "or a smaller model; the last good checkpoint is kept.")
                return "diverged"
            yield Message("warning", self.recovery.roll_back())
            self.gan.meter.clear()
            return SKIP
        now = self.session_seconds
        if now - self._last_good >= self.recovery.good_state_seconds:
            self.recovery.remember()
            self._last_good = now
        for k, v in losses.items():
            self._log.setdefault(k, []).append(v)
        window = now - self._reported_at
        self._ips = (state.nimg - self._reported_nimg) / window if window > 0 else 0.0
        self._reported_nimg, self._reported_at = state.nimg, now
        eta = fraction = None
        batch, target = self.cfg.batch, self.target
        if target is not None:
            fraction = state.step / target
            eta = (target - state.step) * batch / self._ips if self._ips > 0 else None
        elif self.budget is not None:
            fraction = min(1.0, now / self.budget)
            eta = max(0.0, self.budget - now)
        p = float(self.gan.augment_p)
        mem = torch.cuda.memory_allocated(self.device) / 2**20 if self.device.type == "cuda" else None
        growing = self.gan.schedule is not None
        yield Progress(state.step, state.kimg, target * batch / 1000 if target else None, self._ips,
                       state.train_seconds, eta, fraction, losses, p, mem,
                       resolution=state.stage.resolution if growing else None,
                       alpha=state.stage.alpha if growing else None)
        if self.gan.nets.ada is not None:
            yield from self._warn(self.health.check_augment(p, state.train_seconds))
        return None

    def _write_log(self) -> Generator[Event, None, str | None]:
        if not self._log:
            return None
        state = self.state
        growing = self.gan.schedule is not None
        row = LossRow(state.step, state.kimg, state.train_seconds, self._ips, float(self.gan.augment_p),
                      {k: sum(v) / len(v) for k, v in self._log.items()},
                      state.stage.resolution if growing else None, state.stage.alpha if growing else None)
        self._log.clear()
        try:
            self.run.append_metrics(row)
        except OSError as e:
            if not self._metrics_failed:  # once: a full disk must not flood the messages
                yield Message("warning", f"Could not write the metrics log in {self.run.path}: "
                                         f"{e.strerror or e}. Training goes on.")
            self._metrics_failed = True
        else:
            self._metrics_failed = False
        return None

    def _samples(self) -> Generator[Event, None, str | None]:
        yield Samples(self.state.step, self.state.kimg, self.grid())
        return None

    def _check_health(self) -> Generator[Event, None, str | None]:
        yield from self._warn(self.health.check_samples(self.previews(), self.state.kimg))
        return None

    def _warn(self, warning: HealthWarning | None) -> Iterator[Event]:
        """A health warning, then the last checkpoint before it kept as the best."""
        if warning is not None:
            yield Message("warning", warning.text)
            yield from self.keeper.keep_before_trouble(warning.kind)

    def _snapshot(self) -> Generator[Event, None, str | None]:
        yield self.keeper.try_save("snapshot", self.grid())
        return None

    def _pending(self) -> Generator[Event, None, str | None]:
        while self.keeper.pending:
            yield self.keeper.pending.pop(0)
        return None

    def _quality(self) -> Generator[Event, None, str | None]:
        yield from self.quality.events()
        return None

    def _checkpoint(self) -> Generator[Event, None, str | None]:
        ev = self.keeper.try_save("checkpoint")
        self.checkpoint_path = Path(ev.path) if isinstance(ev, Saved) else self.checkpoint_path
        yield ev
        return None

    # ------------------------------------------------------------------ the loop
    def _should_end(self) -> bool:
        return ((self.target is not None and self.state.step >= self.target)
                or (self.budget is not None and self.session_seconds >= self.budget))

    def events(self) -> Iterator[Event]:
        state, dist = self.state, self.dist
        if self.live_samples:
            yield Samples(state.step, state.kimg, self.grid())
        self.recovery.remember()
        if dist.is_main:
            note = self.quality.open()
            if note is not None:
                yield note
        scheduler = Scheduler(self.tasks())
        reason = "completed"
        t_last = self.clock()
        while True:
            if dist.active:
                # All ranks must leave at the same step: agree every `sync_every` steps.
                if self.target is not None and state.step >= self.target:
                    break
                if state.step % self.rates.sync_every == 0:
                    over = self.budget is not None and self.session_seconds >= self.budget
                    if dist.any(self.stop.is_set() or over, self.device):
                        reason = "stopped" if self.stop.is_set() else "completed"
                        break
            elif self.stop.is_set():
                reason = "stopped"
                break
            elif self.pause.is_set():
                yield Paused(state.step)
                while self.pause.is_set() and not self.stop.is_set():
                    time.sleep(0.02)
                t_last = self.clock()
                continue
            if self._should_end():
                break
            try:
                self.step()
            except torch.OutOfMemoryError:
                yield Message("warning", self.gan.on_out_of_memory())
                t_last = self.clock()
                continue
            now = self.clock()
            self.session_seconds += now - t_last
            state.train_seconds += now - t_last
            t_last = now
            if not dist.is_main:
                continue  # rank 0 reports and writes every file
            outcome = yield from scheduler.run(self.session_seconds, self._should_end())
            if outcome is not None and outcome != SKIP:
                reason = outcome
                break
        yield from self._finish(reason)

    def _finish(self, reason: str) -> Iterator[Event]:
        state = self.state
        if not self.dist.is_main:
            yield Finished(reason, state.step, state.kimg, None)
            return
        # Always leave a checkpoint and a snapshot of where the run ended (unless it diverged: then the
        # last good checkpoint stays the latest).
        path = self.checkpoint_path
        if reason != "diverged" and (path is None or path != self.run.checkpoint_path(state.step)
                                     or not path.exists()):
            yield from self._checkpoint()
        yield from self._pending()
        grid = self.grid()
        yield self.keeper.try_save("snapshot", grid)
        if self.live_samples:
            yield Samples(state.step, state.kimg, grid)
        path = self.checkpoint_path or self.run.latest_checkpoint()
        yield Finished(reason, state.step, state.kimg, str(path) if path else None)
