"""The Trainer: one GAN training run, shared by the CLI and the GUI worker — a thin front over its parts.

It settles the run's config (resume, fine-tuning, the automatic batch), reads the images and builds the
parts, each handed the typed records it works on (state.py), so that the arrows run one way:

    trainer -> loop -> step / keeper / recovery / quality -> serialise -> state

`step()` does one discriminator + generator update (step.py). `events()` runs the loop (loop.py) as a
generator of typed records (progress, sample grids, saved files) and checks pause/stop flags between
steps; it knows nothing of Qt. Losses stay on the device and are read back only at the display rate.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch

from studio.core.data import ImageFolder
from studio.core.device import describe_device, pick_device
from studio.core.errors import StudioError
from studio.core.formats.checkpoint import Checkpoint, load_checkpoint
from studio.core.formats.run import RunDir
from studio.core.images import grid_image
from studio.core.models import ModelSpec
from studio.core.training.batch_size import choose_batch, trial_step
from studio.core.training.config import TrainConfig, progressive_schedule, resolve, total_steps
from studio.core.training.distributed import DistContext
from studio.core.training.events import Event, Finished, Message, Started
from studio.core.training.finetune import load_source, load_source_weights
from studio.core.training.finetune import prepare_config as prepare_finetune
from studio.core.training.health import HealthMonitor
from studio.core.training.keeper import Keeper
from studio.core.training.loop import Loop, Rates
from studio.core.training.losses import loss_spec
from studio.core.training.progressive import Stage
from studio.core.training.quality import QualityTask
from studio.core.training.recovery import Recovery
from studio.core.training.serialise import restore
from studio.core.training.state import Networks, TrainState
from studio.core.training.step import GanStep, build_networks

LENGTH_FIELDS = ("steps", "kimg", "minutes")


def model_spec(cfg: TrainConfig, num_classes: int) -> ModelSpec:
    """The networks a resolved config asks for (built at the shape's scale from its block, core/shape.py)."""
    shape = cfg.canvas()
    return ModelSpec(cfg.model, shape.scale, cfg.z_dim, num_classes, cfg.width, d_norm=loss_spec(cfg.loss).d_norm,
                     progressive=cfg.progressive, block_w=shape.block_w, block_h=shape.block_h)


class Trainer:
    # Rates of the loop's periodic tasks, in training seconds (set per instance to change them).
    sync_every = Rates.sync_every
    report_seconds = Rates.report
    log_seconds = Rates.log
    sample_seconds = Rates.samples  # live sample grids, when `live_samples`
    health_seconds = Rates.health
    early_checkpoints = Rates.early_checkpoints  # seconds into a session

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path,
        *,
        resume: bool = False,
        dataset: ImageFolder | None = None,
        device: torch.device | None = None,
        live_samples: bool = False,
        load_progress: Callable[[int, int], None] | None = None,
        dist: DistContext | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.clock = clock  # what the run's `minutes` count (benches: the training thread's CPU time)
        self.dist = dist or DistContext()
        self.run = RunDir(run_dir)
        self.live_samples = live_samples
        resume_path = None
        if resume:
            resume_path = self.run.latest_checkpoint() if self.run.exists() else None
            if self.run.exists():
                saved = TrainConfig.from_json(self.run.read_config())
                # The run keeps its recipe; only the length of this session may change.
                given = {f: getattr(config, f) for f in LENGTH_FIELDS if getattr(config, f) is not None}
                if given:
                    saved = dataclasses.replace(saved, **{**{f: None for f in LENGTH_FIELDS}, **given})
                if config.device != "auto":
                    saved.device = config.device
                config = saved
        elif self.run.latest_checkpoint() is not None and self.dist.is_main:
            raise StudioError(
                f"{self.run.path} already holds a training run. Use --resume to continue it, or choose a new folder."
            )
        config.validate()  # before anything is written or decoded (resolve checks again what it is given)
        if config.init_from and resume_path is None:
            config = prepare_finetune(config)  # fine-tuning: pinned source, its architecture checked early
        self.device = device or pick_device(config.device)
        main = self.dist.is_main
        if main:  # only rank 0 writes the run folder
            self.run.create()
            self.run.acquire_lock()
        try:
            if dataset is None:
                # Rank 0 decodes and writes the cache; the other ranks then read it.
                if not main:
                    self.dist.barrier()
                dataset = ImageFolder(config.data, config.data_config(), cache_dir=self.run.cache_dir,
                                      progress=load_progress if main else None)
                if main:
                    self.dist.barrier()
            self.dataset = dataset
            self.batch_reason = f"batch {config.batch} (set by hand)" if config.batch else ""
            # The run's one resolved config: `self.cfg`, written to config.json and handed to every part.
            resolved = resolve(config, len(self.dataset), self.device.type,
                               self._fit_batch if self.device.type == "cuda" else None)
            self.batch_reason = self.batch_reason or f"batch {resolved.batch}"  # _fit_batch says why on a GPU
            self._setup(resolved)
            if resume_path is not None:
                self.load(load_checkpoint(resume_path))
                self.resumed_from: str | None = str(resume_path)
            else:
                self.resumed_from = None
                if self.cfg.init_from:
                    self._start_from_source()
            if resume:
                self.keeper.load_known_best()
            if main:
                self.run.write_json(self.run.config_path, self.cfg.to_json())
                self.run.write_json(self.run.dataset_path, self.dataset.report.to_json())
        except BaseException:
            if main:
                self.run.release_lock()
            raise
        self._pause = threading.Event()
        self._stop = threading.Event()

    # ------------------------------------------------------------------ set-up
    def _fit_batch(self, cfg: TrainConfig) -> int:
        """resolve's `choose_batch` on a GPU: the largest batch whose trial step fits in free memory."""
        step = trial_step(model_spec(cfg, self.dataset.num_classes), self.device, cfg.loss, cfg.r1_gamma != 0)
        choice = choose_batch(step, self.device, math.isqrt(cfg.canvas().pixels), cfg.batch)
        self.batch_reason = choice.reason
        return choice.batch * self.dist.world

    def _setup(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        dev = self.device
        self.spec: ModelSpec = model_spec(cfg, self.dataset.num_classes)
        self.schedule = progressive_schedule(cfg)
        if self.schedule is not None and self.schedule.unit == "minutes" and self.dist.active:
            raise StudioError("Progressive growing over minutes follows each process's own clock; on several "
                              "processes give the run's length in steps or kimg.")
        self.state = TrainState(stage=Stage(self.spec.resolution))  # the networks' scale (core/shape.py)
        self.nets: Networks = build_networks(cfg, self.spec, dev, self.dist)
        self.gan = GanStep(cfg, self.nets, self.state, self.dataset.images, self.dataset.labels,
                           self.dataset.num_classes, dev, self.dist, self.schedule)
        gz = torch.Generator().manual_seed(cfg.seed + 1)
        self.grid_z = torch.randn(cfg.grid, self.spec.z_dim, generator=gz).to(dev)
        self.grid_c = ((torch.arange(cfg.grid) % max(1, self.dataset.num_classes)).to(dev)
                       if self.gan.conditional else None)
        probe = torch.randperm(self.images.shape[0], generator=torch.Generator().manual_seed(0))[:64]
        self.health = HealthMonitor(self.images[probe.to(dev)].float() / 127.5 - 1)
        self.recovery = Recovery(self.nets, self.state, cfg.seed)
        self.keeper = Keeper(self.run, cfg, self.nets, self.state, self.dataset.class_names,
                             self.schedule is not None, self.dist.is_main, on_checkpoint=self.recovery.remember)
        self.quality = QualityTask(cfg, self.dataset, dev, self.run, self.nets, self.state, self.keeper)
        self.gan.apply_stage()

    def _start_from_source(self) -> None:
        """Fine-tuning: G, D and G_ema from the source checkpoint; optimisers, step and ADA stay fresh."""
        ckpt = load_source(self.cfg.init_from)
        load_source_weights(ckpt, self.cfg.init_from.get("sha256"),
                            {"G": self.G, "D": self.D, "G_ema": self.G_ema}, self.spec)

    # ------------------------------------------------------------------ the parts, as attributes
    G = property(lambda self: self.nets.G)
    D = property(lambda self: self.nets.D)
    G_ema = property(lambda self: self.nets.G_ema)
    opt_g = property(lambda self: self.nets.opt_g)
    opt_d = property(lambda self: self.nets.opt_d)
    scaler_g = property(lambda self: self.nets.scaler_g)
    scaler_d = property(lambda self: self.nets.scaler_d)
    gen = property(lambda self: self.nets.gen)
    gen_local = property(lambda self: self.nets.gen_local)
    ada = property(lambda self: self.nets.ada)
    images = property(lambda self: self.gan.images)
    augment_p = property(lambda self: self.gan.augment_p)
    stage = property(lambda self: self.state.stage)

    @property
    def ema(self):
        return self.nets.ema

    @ema.setter
    def ema(self, value) -> None:
        self.nets.ema = value

    @property
    def accum(self) -> int:
        return self.gan.accum

    @accum.setter
    def accum(self, value: int) -> None:
        self.gan.accum = value

    @property
    def step_count(self) -> int:
        return self.state.step

    @property
    def nimg(self) -> int:
        return self.state.nimg

    @property
    def train_seconds(self) -> float:
        return self.state.train_seconds

    @property
    def batch(self) -> int:
        return self.cfg.batch

    @property
    def kimg(self) -> float:
        return self.state.kimg

    # ------------------------------------------------------------------ one step, previews, files
    def step(self) -> dict[str, torch.Tensor]:
        """One discriminator update (plus lazy R1 when due) and one generator update (step.GanStep)."""
        return self.gan.run()

    def _real_batch(self, b: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.gan.real_batch(b)

    @torch.no_grad()
    def preview_images(self) -> torch.Tensor:
        """The fixed-seed samples of the EMA generator in [-1, 1] (the same seeds at every call)."""
        self.nets.sync_without_ema()
        return self.G_ema(self.grid_z, self.grid_c, noise_mode="const")

    def sample_grid(self) -> np.ndarray:
        """The fixed-seed grid from the EMA generator, uint8 (H, W, 3)."""
        return grid_image(self.preview_images())

    def save_snapshot(self, image: np.ndarray | None = None) -> Path:
        return self.keeper.save_snapshot(self.sample_grid() if image is None else image)

    def save_checkpoint(self, path: Path | None = None, sidecar_extra: dict | None = None) -> Path:
        """The full training state (keeper.Keeper.save_checkpoint)."""
        return self.keeper.save_checkpoint(path, sidecar_extra)

    def _try_save(self, kind: str, image: np.ndarray | None = None) -> Event:
        return self.keeper.try_save(kind, image)

    def weights_finite(self) -> bool:
        return self.nets.weights_finite()

    def report_quality(self, step: int, score: float, metric: str = "KID") -> bool:
        """A quality score of the model at `step` (lower is better); keeps the best checkpoint
        (keeper.Keeper.report_quality). Call it between steps; the loop yields the `Saved("best")`."""
        return self.keeper.report_quality(step, score, metric)

    def load(self, ckpt: Checkpoint) -> None:
        """Restore a checkpoint after checking its model description, tensor names, shapes and dtypes."""
        restore(ckpt, self.nets, self.state, self.cfg, self.dist.rank, self.dist.active)
        self.gan.apply_stage()  # the same resolution and α as when the checkpoint was written

    # ------------------------------------------------------------------ the loop
    def _opening(self) -> Iterator[Event]:
        cfg = self.cfg
        yield Started(describe_device(self.device), total_steps(cfg), cfg.minutes, self.step_count,
                      len(self.dataset), self.batch, self.resumed_from, self.batch_reason, cfg.model, cfg.resolution,
                      cfg.canvas())
        if self.schedule is not None:
            yield Message("info", self.schedule.describe())
        if cfg.init_from and self.resumed_from is None and self.step_count == 0:
            frozen = f"; the first {cfg.freeze_d} discriminator block(s) stay frozen" if cfg.freeze_d else ""
            yield Message("info", f"Fine-tuning from {Path(cfg.init_from['run']).name} (step "
                                  f"{cfg.init_from.get('step', '?')}): its G, D and averaged G, fresh optimisers"
                                  f"{frozen}.")
        for s in self.dataset.report.skipped[:1]:
            n = len(self.dataset.report.skipped)
            yield Message("warning", f"{n} file(s) skipped; first: {s.path}: {s.reason}")

    def events(self) -> Iterator[Event]:
        """Train until the run's length, stop() or divergence, yielding typed events (loop.Loop)."""
        yield from self._opening()
        rates = Rates(self.report_seconds, self.log_seconds, self.sample_seconds, self.health_seconds,
                      self.sync_every, self.early_checkpoints)
        loop = Loop(self.cfg, self.run, self.dist, self.device, self.state, self.gan, lambda: self.step(),
                    self.keeper, self.recovery, self.quality, self.health, self.preview_images, self.sample_grid,
                    rates, self.live_samples, self._pause, self._stop, self.clock)
        yield from loop.events()

    def train(self, on_event: Callable[[Event], None] | None = None) -> Finished:
        """Run to the end (or until stop()), passing every event to `on_event`."""
        last = None
        try:
            for ev in self.events():
                if on_event is not None:
                    on_event(ev)
                last = ev
        finally:
            self.close()
        assert isinstance(last, Finished)
        return last

    # ------------------------------------------------------------------ control
    def pause(self) -> None:
        self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    def stop(self) -> None:
        self._stop.set()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    def close(self) -> None:
        if getattr(self, "quality", None) is not None:
            self.quality.close()  # abandons a running quality evaluation
        if self.dist.is_main:
            self.run.release_lock()
