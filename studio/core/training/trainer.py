"""The Trainer: one GAN training loop shared by the CLI and the GUI worker.

`step()` does one discriminator + generator update. `events()` runs the loop as a generator of
typed records (progress, sample grids, saved files) and checks pause/stop flags between steps;
it knows nothing of Qt. Losses stay on the device and are read back only at the display rate.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from studio import __version__
from studio.core.data import ImageFolder
from studio.core.device import describe_device, pick_device
from studio.core.errors import StudioError
from studio.core.images import grid_image
from studio.core.models import ModelSpec, build_models
from studio.core.run import RunDir
from studio.core.training import losses as L
from studio.core.training.augment import AdaController, augment
from studio.core.training.batch_size import choose_batch, trial_step
from studio.core.training.checkpoint import (
    Checkpoint,
    check_tensors,
    copy_atomic,
    flatten_optimizer,
    load_checkpoint,
    model_spec_of,
    read_state,
    save_checkpoint,
    unflatten_optimizer,
    write_atomic,
)
from studio.core.training.config import TrainConfig, model_spec, progressive_schedule, resolve, total_steps
from studio.core.training.finetune import freeze_blocks, load_source, load_source_weights
from studio.core.training.finetune import prepare_config as prepare_finetune
from studio.core.training.progressive import Stage, real_at_stage
from studio.core.training.distributed import DistContext
from studio.core.training.ema import EMA
from studio.core.training.health import HealthMonitor
from studio.core.training.events import Event, Finished, Message, Paused, Progress, Quality, Samples, Saved, Started

LENGTH_FIELDS = ("steps", "kimg", "minutes")


class Trainer:
    sync_every = 16  # steps between the ranks' agreement on stopping (distributed runs)
    report_seconds = 0.2  # progress events (and the host sync that reads losses) at most 5 Hz
    log_seconds = 1.0  # metrics.jsonl records
    sample_seconds = 1.0  # live sample grids, when `live_samples`

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
    ) -> None:
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
        if config.init_from and resume_path is None:
            config.validate()
            config = prepare_finetune(config)  # fine-tuning: pinned source, its architecture checked early
        config.validate()
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
            resolved = resolve(config, len(self.dataset), self.device.type)
            self.batch_reason = f"batch {resolved.batch}" + (" (set by hand)" if config.batch else "")
            if config.batch == 0 and not resume and self.device.type == "cuda":
                choice = choose_batch(trial_step(model_spec(resolved, self.dataset.num_classes), self.device,
                                                 resolved.loss, resolved.r1_gamma > 0),
                                      self.device, resolved.resolution, resolved.batch)
                resolved = resolve(dataclasses.replace(config, batch=choice.batch * self.dist.world),
                                   len(self.dataset), self.device.type)
                self.batch_reason = choice.reason
            self._setup(resolved)
            if resume_path is not None:
                self.load(load_checkpoint(resume_path))
                self.resumed_from: str | None = str(resume_path)
            else:
                self.resumed_from = None
                if self.cfg.init_from:
                    self._start_from_source()
            self._best = self._known_best() if resume else None
            if main:
                self.run.write_json(self.run.config_path, self.cfg.to_json())
                self.run.write_json(self.run.dataset_path, self.dataset.report.to_json())
        except BaseException:
            if main:
                self.run.release_lock()
            raise
        self._pause = threading.Event()
        self._stop = threading.Event()
        self._probe = None  # core.metrics.probe.QualityProbe while in-training metrics run
        self._quality_due = math.inf  # kimg of the next quality evaluation

    # ------------------------------------------------------------------ set-up
    def _setup(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        dev = self.device
        self.spec: ModelSpec = model_spec(cfg, self.dataset.num_classes)
        torch.manual_seed(cfg.seed)
        G, D = build_models(self.spec)
        self.G, self.D = G.to(dev), D.to(dev)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.G_ema.upsample_output = True  # samples, snapshots and metrics see every stage at full size
        self.schedule = progressive_schedule(cfg)
        if self.schedule is not None and self.schedule.unit == "minutes" and self.dist.active:
            raise StudioError("Progressive growing over minutes follows each process's own clock; on several "
                              "processes give the run's length in steps or kimg.")
        self.stage = Stage(cfg.resolution)
        # FreezeD: the first `freeze_d` blocks of D keep the source's weights; only the rest is optimised.
        self.d_trainable = freeze_blocks(self.D, cfg.freeze_d)
        self.memory_format = torch.channels_last if dev.type == "cuda" else torch.contiguous_format
        if dev.type == "cuda":
            for m in (self.G, self.D, self.G_ema):
                m.to(memory_format=torch.channels_last)
        if cfg.compile:
            # In place (module.compile keeps state_dict names). The trainer calls mapping and synthesis
            # separately, so those are what get compiled; the EMA copy and explorers stay eager.
            for m in (self.G.mapping, self.G.synthesis, self.D):
                m.compile()
        self.amp_dtype = amp_dtype(cfg.precision, dev)
        # fp16 has too few exponent bits for GAN gradients: loss scaling keeps them from flushing to zero.
        fp16 = self.amp_dtype == torch.float16
        self.scaler_d = torch.amp.GradScaler(dev.type, enabled=fp16)
        self.scaler_g = torch.amp.GradScaler(dev.type, enabled=fp16)
        self.use_r1 = cfg.r1_gamma > 0
        ratio = cfg.r1_interval / (cfg.r1_interval + 1) if self.use_r1 else 1.0
        fast = {"foreach": True} if dev.type != "cuda" else {"fused": True}
        self.loss = L.loss_spec(cfg.loss)
        if self.loss.optimizer == "rmsprop":
            self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr=self.loss.lr or cfg.lr_g)
            self.opt_d = torch.optim.RMSprop(self.d_trainable, lr=self.loss.lr or cfg.lr_d)
        else:
            lr_g, lr_d = self.loss.lr or cfg.lr_g, self.loss.lr or cfg.lr_d
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr_g, betas=(cfg.beta1, cfg.beta2), **fast)
            self.opt_d = torch.optim.Adam(
                self.d_trainable, lr=lr_d * ratio, betas=(cfg.beta1**ratio, cfg.beta2**ratio), **fast
            )
        self._base_lr_g = [g["lr"] for g in self.opt_g.param_groups]
        self._base_lr_d = [g["lr"] for g in self.opt_d.param_groups]
        self.ema = EMA(self.G, self.G_ema, cfg.ema_kimg, cfg.ema_rampup) if cfg.ema_kimg > 0 else None
        if cfg.batch % self.dist.world:
            raise StudioError(f"The batch ({cfg.batch}) must divide evenly among the {self.dist.world} processes.")
        self.local_batch = cfg.batch // self.dist.world
        # Two random streams: `gen` is identical on every rank and draws whole-batch quantities (which
        # images, which latents), each rank keeping its slice, so the global batch does not depend on
        # the number of processes; `gen_local` is per rank (noise, augmentation).
        self.gen = torch.Generator(device=dev).manual_seed(cfg.seed)
        self.gen_local = torch.Generator(device=dev).manual_seed(cfg.seed + 1_000_003 * (self.dist.rank + 1))
        self.images = torch.from_numpy(np.ascontiguousarray(self.dataset.images)).permute(0, 3, 1, 2).to(dev)
        self.labels = torch.from_numpy(self.dataset.labels).to(dev)
        self.conditional = self.dataset.num_classes > 0
        self.ada = (AdaController(dev, cfg.ada_target, cfg.ada_kimg, cfg.ada_interval, reduce=self.dist.sum)
                    if cfg.augment == "ada" else None)
        self.fixed_p = torch.tensor(1.0 if cfg.augment == "diff" else 0.0, device=dev)
        gz = torch.Generator().manual_seed(cfg.seed + 1)
        self.grid_z = torch.randn(cfg.grid, self.spec.z_dim, generator=gz).to(dev)
        self.grid_c = (torch.arange(cfg.grid) % max(1, self.dataset.num_classes)).to(dev) if self.conditional else None
        self.step_count = 0
        self.nimg = 0
        probe = torch.randperm(self.images.shape[0], generator=torch.Generator().manual_seed(0))[:64]
        self.health = HealthMonitor(self.images[probe.to(dev)].float() / 127.5 - 1)
        self._health_messages: list[str] = []
        self.accum = 1  # gradient-accumulation chunks per step (raised after an out-of-memory)
        self.train_seconds = 0.0
        self._apply_stage()
        self._acc: dict[str, torch.Tensor] = {}
        self._acc_n: dict[str, int] = {}
        self._good: dict | None = None  # last state known to be finite, for rolling back after NaN/Inf
        self.recoveries = 0
        self._best: dict | None = None  # best.json of the kept best checkpoint
        self._pending_events: list[Event] = []  # produced outside the loop (report_quality), yielded by it
        self._save_lock = threading.RLock()  # one checkpoint write at a time (report_quality may come from a helper)

    @property
    def batch(self) -> int:
        return self.cfg.batch

    @property
    def kimg(self) -> float:
        return self.nimg / 1000

    # ------------------------------------------------------------------ progressive growing, fine-tuning
    def _stage_position(self) -> float:
        assert self.schedule is not None
        return self.train_seconds / 60 if self.schedule.unit == "minutes" else self.nimg / 1000

    def _apply_stage(self) -> None:
        """Put G, D and G_ema at the schedule's stage for the run's current position."""
        if self.schedule is None:
            return
        stage = self.schedule.stage_at(self._stage_position())
        if stage != self.stage or self.G.stage_res != stage.resolution:
            self.stage = stage
            for m in (self.G, self.D, self.G_ema):
                m.set_stage(stage.resolution, stage.alpha)

    def _set_d_trainable(self, on: bool) -> None:
        for p in self.d_trainable:
            p.requires_grad_(on)

    def _start_from_source(self) -> None:
        """Fine-tuning: G, D and G_ema from the source checkpoint; optimisers, step and ADA stay fresh."""
        ckpt = load_source(self.cfg.init_from)
        load_source_weights(ckpt, self.cfg.init_from.get("sha256"),
                            {"G": self.G, "D": self.D, "G_ema": self.G_ema}, self.spec)

    @property
    def augment_p(self) -> torch.Tensor:
        return self.ada.p if self.ada is not None else self.fixed_p

    # ------------------------------------------------------------------ one step
    def _mine(self, t: torch.Tensor, b: int) -> torch.Tensor:
        """This rank's slice of a quantity drawn for all ranks."""
        return t[self.dist.rank * b: (self.dist.rank + 1) * b] if self.dist.active else t

    def _real_batch(self, b: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        dev, n = self.device, b * self.dist.world
        idx = self._mine(torch.randint(0, self.images.shape[0], (n,), device=dev, generator=self.gen), b)
        x = self.images[idx].float().div_(127.5).sub_(1.0)
        if self.cfg.mirror:
            flip = self._mine(torch.rand(n, 1, 1, 1, device=dev, generator=self.gen), b) < 0.5
            x = torch.where(flip, x.flip(3), x)
        if self.schedule is not None:
            x = real_at_stage(x, self.stage)  # from the cached full-size images, never decoded again
        x = x.contiguous(memory_format=self.memory_format)
        return x, (self.labels[idx] if self.conditional else None)

    def _fake_labels(self, b: int) -> torch.Tensor | None:
        if not self.conditional:
            return None
        n = b * self.dist.world
        idx = self._mine(torch.randint(0, self.labels.shape[0], (n,), device=self.device, generator=self.gen), b)
        return self.labels[idx]

    def _generate(self, c: torch.Tensor | None, b: int) -> torch.Tensor:
        dev, n = self.device, b * self.dist.world
        z = self._mine(torch.randn(n, self.spec.z_dim, device=dev, generator=self.gen), b)
        ws = self.G.mapping(z, c, update_w_avg=True)
        if self.spec.name == "style" and self.cfg.style_mixing > 0:
            # Style-mixing regularisation: from a random layer on, styles come from a second latent.
            z2 = self._mine(torch.randn(n, self.spec.z_dim, device=dev, generator=self.gen), b)
            cutoff = torch.randint(1, ws.shape[1], (), device=dev, generator=self.gen)
            use = torch.rand((), device=dev, generator=self.gen) < self.cfg.style_mixing
            layer = torch.arange(ws.shape[1], device=dev)[None, :, None]
            ws = torch.where((layer >= cutoff) & use, self.G.mapping(z2, c), ws)
        return self.G.synthesis(ws, noise_mode="random", generator=self.gen_local)

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        if self.cfg.augment == "none":
            return x
        return augment(x, self.augment_p, self.gen_local)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None)

    def _track(self, name: str, value: torch.Tensor) -> None:
        v = value.detach().float()
        if name in self._acc:
            self._acc[name] += v
            self._acc_n[name] += 1
        else:
            self._acc[name] = v.clone()
            self._acc_n[name] = 1

    def step(self) -> dict[str, torch.Tensor]:
        """One discriminator update (plus lazy R1 when due) and one generator update.

        Normally the generator's fakes are made once and judged twice (D step, then G step). After a
        GPU out-of-memory the batch is split into `accum` micro-batches whose gradients add up to the
        same effective batch; then each phase makes its own fakes, so no graph is held across chunks.
        """
        cfg, G, D, loss = self.cfg, self.G, self.D, self.loss
        self._apply_stage()
        G.train()
        D.train()
        sizes = self._chunk_sizes()
        whole = self.accum == 1
        out: dict[str, torch.Tensor] = {}

        def add(name: str, value: torch.Tensor, weight: float) -> None:
            out[name] = out.get(name, 0) + value.detach() * weight

        # Discriminator (its frozen blocks, when fine-tuning with FreezeD, never take gradients).
        self._set_d_trainable(True)
        self.opt_d.zero_grad(set_to_none=True)
        reals, fakes, d_reals, kept = [], [], [], None
        for b in sizes:
            w = b / self.local_batch
            real, c_real = self._real_batch(b)
            c_fake = self._fake_labels(b)
            with self._autocast(), torch.set_grad_enabled(whole):
                fake = self._generate(c_fake, b)
            if whole:
                kept = (fake, c_fake)
            with self._autocast():
                real_aug = self._aug(real)
                d_real = D(real_aug, c_real).float()
                fake_aug = self._aug(fake.detach())
                d_fake = D(fake_aug, c_fake).float()
                loss_d = loss.d_loss(d_real, d_fake)
            add("loss_d", loss_d, w)
            if loss.gp_weight:
                gp = L.gradient_penalty(D, real_aug, self._aug(fake.detach()), c_real, self.gen_local)
                loss_d = loss_d + loss.gp_weight * gp
                add("gp", gp, w)
            self.scaler_d.scale(loss_d * w).backward()
            reals.append((real_aug.detach(), c_real, w))
            if loss.r2:
                fakes.append((fake_aug.detach(), c_fake, w))
            d_reals.append(d_real.detach())
        self.dist.average_grads(D)
        self._opt_step(self.opt_d, self.scaler_d)
        if loss.clip is not None:
            with torch.no_grad():
                for p in self.d_trainable:
                    p.clamp_(-loss.clip, loss.clip)
        if self.use_r1 and self.step_count % cfg.r1_interval == 0:
            self.opt_d.zero_grad(set_to_none=True)
            for real_aug, c_real, w in reals:
                r1 = L.r1_penalty(D, real_aug, c_real)
                self.scaler_d.scale(r1 * (cfg.r1_gamma / 2) * cfg.r1_interval * w).backward()
                add("r1", r1, w)
            for fake_aug, c_fake, w in fakes:  # R2: the same zero-centred penalty on fakes
                r2 = L.r1_penalty(D, fake_aug, c_fake)
                self.scaler_d.scale(r2 * (cfg.r1_gamma / 2) * cfg.r1_interval * w).backward()
                add("r2", r2, w)
            self.dist.average_grads(D)
            self._opt_step(self.opt_d, self.scaler_d)
        if self.ada is not None:
            self.ada.observe(torch.cat(d_reals), self.local_batch)

        # Generator: judged by the updated discriminator.
        self._set_d_trainable(False)
        self.opt_g.zero_grad(set_to_none=True)
        for i, b in enumerate(sizes):
            w = b / self.local_batch
            if kept is not None:
                fake, c_fake = kept
            else:
                c_fake = self._fake_labels(b)
                with self._autocast():
                    fake = self._generate(c_fake, b)
            with self._autocast():
                d_real = None
                if loss.g_needs_real:  # relativistic: the updated D's verdict on the same reals
                    real_aug, c_real, _ = reals[i]
                    with torch.no_grad():
                        d_real = D(real_aug, c_real).float()
                loss_g = loss.g_loss(D(self._aug(fake), c_fake).float(), d_real)
            self.scaler_g.scale(loss_g * w).backward()
            add("loss_g", loss_g, w)
        self.dist.average_grads(G)
        self._opt_step(self.opt_g, self.scaler_g)

        self.step_count += 1
        self.nimg += self.batch
        self._apply_stage()  # the stage of the new position: what samples, checkpoints and resume see
        if self.ema is not None and self.dist.is_main:  # G_ema lives on rank 0, which writes the files
            self.ema.update(self.batch, self.nimg)
        for k, v in out.items():
            self._track(k, v)
        return out

    def _chunk_sizes(self) -> list[int]:
        """Micro-batch sizes (one chunk unless an out-of-memory split the batch); cached off the hot path."""
        key = (self.local_batch, self.accum)
        if getattr(self, "_chunks_key", None) != key:
            q, r = divmod(self.local_batch, self.accum)
            self._chunks, self._chunks_key = [q + 1] * r + [q] * (self.accum - r), key
        return self._chunks

    @staticmethod
    def _opt_step(opt: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
        if scaler.is_enabled():
            scaler.step(opt)  # skipped, and the scale lowered, when a gradient overflowed
            scaler.update()
        else:
            opt.step()

    def _on_out_of_memory(self) -> str:
        """Free what the failed step held and split the batch in two (same effective batch)."""
        self.opt_d.zero_grad(set_to_none=True)
        self.opt_g.zero_grad(set_to_none=True)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if self.local_batch // (self.accum * 2) < 1:
            raise StudioError("The GPU ran out of memory even with one image at a time: "
                              "choose a lower resolution or a smaller model.")
        self.accum *= 2
        micro = -(-self.local_batch // self.accum)
        return (f"Out of GPU memory: now {self.accum} chunks of {micro} images per step "
                f"(the effective batch stays {self.batch}).")

    # ------------------------------------------------------------------ previews
    def _sync_without_ema(self) -> None:
        if self.ema is None:  # no averaging: the "EMA" generator is a copy of the live one
            self.G_ema.load_state_dict(self.G.state_dict())

    @torch.no_grad()
    def sample_grid(self) -> np.ndarray:
        """The fixed-seed grid from the EMA generator (the same seeds at every call)."""
        self._sync_without_ema()
        imgs = self.G_ema(self.grid_z, self.grid_c, noise_mode="const")
        warning = self.health.check_samples(imgs, self.kimg)
        if warning:
            self._health_messages.append(warning)
        return grid_image(imgs)

    def save_snapshot(self, image: np.ndarray | None = None) -> Path:
        image = self.sample_grid() if image is None else image
        path = self.run.snapshot_path(self.step_count)
        tmp = path.with_name(f".{path.name}.tmp")
        Image.fromarray(image).save(tmp, format="PNG")
        tmp.replace(path)
        return path

    # ------------------------------------------------------------------ checkpoints
    def state_json(self) -> dict:
        return {
            "studio_version": __version__,
            "model": self.spec.name,
            "resolution": self.spec.resolution,
            "spec": dataclasses.asdict(self.spec),
            "config": self.cfg.to_json(),
            "class_names": self.dataset.class_names,
            "step": self.step_count,
            "nimg": self.nimg,
            "kimg": self.kimg,
            "train_seconds": self.train_seconds,
            "ada": self.ada.state() if self.ada is not None else None,
            "progressive": self.stage.to_json() if self.schedule is not None else None,
            "grad_scale": ({"d": self.scaler_d.state_dict(), "g": self.scaler_g.state_dict()}
                           if self.scaler_d.is_enabled() else None),
        }

    def save_checkpoint(self, path: Path | None = None, sidecar_extra: dict | None = None) -> Path:
        """The full training state at `path` (default: the step's file, then the oldest beyond the last
        `keep_checkpoints` are pruned; best.safetensors is not a step file and is never pruned)."""
        self._sync_without_ema()
        tensors: dict[str, torch.Tensor] = {}
        for name, module in (("G", self.G), ("D", self.D), ("G_ema", self.G_ema)):
            tensors.update({f"{name}.{k}": v for k, v in module.state_dict().items()})
        og, groups_g = flatten_optimizer(self.opt_g, "opt_g")
        od, groups_d = flatten_optimizer(self.opt_d, "opt_d")
        tensors.update(og)
        tensors.update(od)
        tensors["rng.trainer"] = self.gen.get_state()
        tensors["rng.local"] = self.gen_local.get_state()
        state = self.state_json()
        state["opt_g_groups"], state["opt_d_groups"] = groups_g, groups_d
        with self._save_lock:
            if path is not None:
                return save_checkpoint(path, tensors, state, sidecar_extra)
            path = save_checkpoint(self.run.checkpoint_path(self.step_count), tensors, state)
            for _, old in self.run.checkpoints()[: -self.cfg.keep_checkpoints]:
                for p in (old, old.with_suffix(".json")):
                    p.unlink(missing_ok=True)
        return path

    def weights_finite(self) -> bool:
        """One host sync: are all of G's, D's and G_ema's floating-point weights finite?"""
        flags = [torch.isfinite(t).all() for m in (self.G, self.D, self.G_ema)
                 for t in m.state_dict().values() if t.is_floating_point()]
        return bool(torch.stack(flags).all())

    # ------------------------------------------------------------------ the best checkpoint
    def report_quality(self, step: int, score: float, metric: str = "KID") -> bool:
        """A quality score of the model at `step` (lower is better, e.g. KID); keeps the best checkpoint.

        If the score beats the best so far, that step's checkpoint becomes RUN/checkpoints/best.safetensors
        (atomically; never pruned) with best.json saying step, score and metric. When `step`'s checkpoint
        is not on disk but `step` is the current step, the current state is written as the best instead.
        Call it between steps from the thread that runs `events()` (as in-training metrics do); the loop
        yields the resulting `Saved("best", ...)` event. Returns True when a new best was kept."""
        if not self.dist.is_main:
            return False
        score = float(score)
        if not math.isfinite(score):
            return False
        with self._save_lock:
            best = self._best
            if best is not None and best.get("score") is not None and score >= float(best["score"]):
                return False
            info = {"step": int(step), "score": score, "metric": str(metric), "reason": f"lowest {metric} so far",
                    "kept_at_step": self.step_count}
            src = self.run.checkpoint_path(step)
            try:
                if src.is_file():
                    self._copy_best(src, info)
                elif step == self.step_count:
                    self.save_checkpoint(self.run.best_path, {"best": info})
                else:
                    raise ValueError(f"report_quality: no checkpoint of step {step} on disk to keep "
                                     f"(the trainer is at step {self.step_count})")
            except OSError as e:
                self._pending_events.append(Message(
                    "warning", f"Could not keep the best checkpoint (step {step}, {metric} {score:.4g}) in "
                               f"{self.run.path}: {e.strerror or e}. Older files are intact."))
                return False
            self._best = info
            self._pending_events.append(Saved("best", int(step), str(self.run.best_path)))
        return True

    def _copy_best(self, src: Path, info: dict) -> None:
        copy_atomic(src, self.run.best_path)
        try:
            sidecar = json.loads(src.with_suffix(".json").read_text())
        except (OSError, json.JSONDecodeError):
            sidecar = {}
        sidecar["best"] = info
        write_atomic(self.run.best_path.with_suffix(".json"), json.dumps(sidecar, indent=1).encode())

    def _known_best(self) -> dict | None:
        """best.json of a resumed run, trusted only if it describes the best.safetensors that is there."""
        best = self.run.best_checkpoint()
        if best is None:
            return None
        sidecar = self.run.read_best() or {}
        info = sidecar.get("best") if isinstance(sidecar.get("best"), dict) else {}
        try:
            step = int(read_state(best).get("step", -1))
        except StudioError:
            return None
        if info.get("step") != step:
            return {"step": step, "score": None, "metric": None, "reason": "unknown"}
        return info

    def _keep_before_trouble(self, why: str) -> list[Event]:
        """Without a quality metric, the best is the last checkpoint written before a warning (mode
        collapse, discriminator overfitting, NaN/Inf): a run that goes wrong overnight keeps its good state
        although later checkpoints push that one out of the last K."""
        if not self.dist.is_main:
            return []
        with self._save_lock:
            if self._best is not None and self._best.get("score") is not None:
                return []  # a measured best knows better than a warning
            latest = self.run.latest_checkpoint()
            if latest is None:
                return []
            step = int(_step_of(latest))
            if self._best is not None and self._best.get("step") == step:
                return []
            if self._best is not None and str(self._best.get("reason", "")).startswith("last checkpoint before"):
                # Kept before an earlier warning (perhaps in an earlier session): the checkpoints since may
                # hold the problem itself, so the best stays, and the artist is told which it is.
                return [Message("info", f"{self.run.best_path.name} stays the checkpoint of step "
                                        f"{self._best.get('step')}, kept before the first warning "
                                        f"({self._best['reason'].split(': ', 1)[-1]}).")]
            info = {"step": step, "score": None, "metric": None, "reason": f"last checkpoint before: {why}",
                    "kept_at_step": self.step_count}
            try:
                self._copy_best(latest, info)
            except OSError as e:
                return [Message("warning", f"Could not keep the checkpoint of step {step} as the best: "
                                           f"{e.strerror or e}.")]
            self._best = info
        return [Saved("best", step, str(self.run.best_path)),
                Message("info", f"The checkpoint of step {step}, written before this problem ({why}), is kept "
                                f"as {self.run.best_path.name} (it will not be pruned).")]

    def load(self, ckpt: Checkpoint) -> None:
        """Restore a checkpoint after checking its model description, tensor names, shapes and dtypes."""
        spec = model_spec_of(ckpt.path, ckpt.state)
        if spec != self.spec:
            raise StudioError(
                f"{ckpt.path.name} was trained as {spec.name} at {spec.resolution} px with "
                f"{spec.num_classes} classes; this run needs {self.spec.name} at {self.spec.resolution} px "
                f"with {self.spec.num_classes} classes."
            )
        for name, module in (("G", self.G), ("D", self.D), ("G_ema", self.G_ema)):
            check_tensors(ckpt.path, name, ckpt.section(name), module.state_dict())
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            _check_optimizer(ckpt, name, [p for g in opt.param_groups for p in g["params"]])
        for key in ("rng.trainer",):
            if key not in ckpt.tensors or ckpt.tensors[key].dtype != torch.uint8:
                raise StudioError(f"{ckpt.path.name} has no valid random-generator state; it cannot be resumed.")
        for key in ("step", "nimg"):
            if not isinstance(ckpt.state.get(key), int) or ckpt.state[key] < 0:
                raise StudioError(f"{ckpt.path.name} has no valid training position ({key}).")
        try:
            self.G.load_state_dict(ckpt.section("G"))
            self.D.load_state_dict(ckpt.section("D"))
            self.G_ema.load_state_dict(ckpt.section("G_ema"))
            self.opt_g.load_state_dict(unflatten_optimizer(ckpt.section("opt_g"), ckpt.state["opt_g_groups"]))
            self.opt_d.load_state_dict(unflatten_optimizer(ckpt.section("opt_d"), ckpt.state["opt_d_groups"]))
        except (RuntimeError, KeyError, ValueError, TypeError) as e:
            raise StudioError(f"{ckpt.path.name} does not match this model: {e}") from None
        self.gen.set_state(ckpt.tensors["rng.trainer"])
        if "rng.local" in ckpt.tensors and not self.dist.active:
            self.gen_local.set_state(ckpt.tensors["rng.local"])
        else:  # another process layout: fresh per-rank streams, still reproducible
            self.gen_local.manual_seed(self.cfg.seed + 1_000_003 * (self.dist.rank + 1) + int(ckpt.state["step"]))
        self.step_count = int(ckpt.state["step"])
        self.nimg = int(ckpt.state["nimg"])
        self.train_seconds = float(ckpt.state.get("train_seconds", 0.0))
        self._apply_stage()  # the same resolution and α as when the checkpoint was written
        if self.ada is not None and ckpt.state.get("ada"):
            self.ada.load_state(ckpt.state["ada"])
        scales = ckpt.state.get("grad_scale")
        if self.scaler_d.is_enabled() and isinstance(scales, dict):
            try:
                self.scaler_d.load_state_dict(scales["d"])
                self.scaler_g.load_state_dict(scales["g"])
            except (KeyError, TypeError, ValueError, RuntimeError):
                pass  # a fresh scale finds its level again within a few steps

    # ------------------------------------------------------------------ recovery
    max_recoveries = 3
    good_state_seconds = 60.0

    def _capture(self) -> dict:
        return {
            "G": copy.deepcopy(self.G.state_dict()), "D": copy.deepcopy(self.D.state_dict()),
            "G_ema": copy.deepcopy(self.G_ema.state_dict()),
            "opt_g": copy.deepcopy(self.opt_g.state_dict()), "opt_d": copy.deepcopy(self.opt_d.state_dict()),
            "gen": self.gen.get_state(), "step": self.step_count, "nimg": self.nimg,
            "ada": self.ada.state() if self.ada is not None else None,
        }

    def _roll_back(self) -> str:
        """Restore the last finite state and halve the learning rates; returns a message for the user."""
        snap = self._good
        assert snap is not None
        lr_before = [g["lr"] for g in self.opt_g.param_groups]
        self.G.load_state_dict(snap["G"])
        self.D.load_state_dict(snap["D"])
        self.G_ema.load_state_dict(snap["G_ema"])
        self.opt_g.load_state_dict(snap["opt_g"])
        self.opt_d.load_state_dict(snap["opt_d"])
        for opt, base in ((self.opt_g, self._base_lr_g), (self.opt_d, self._base_lr_d)):
            for g, lr in zip(opt.param_groups, base, strict=True):
                g["lr"] = lr * 0.5**self.recoveries
        self.gen.set_state(snap["gen"])
        self.gen.manual_seed(self.cfg.seed + 7919 * self.recoveries)  # a different path this time
        self.step_count, self.nimg = snap["step"], snap["nimg"]
        if self.ada is not None and snap["ada"]:
            self.ada.load_state(snap["ada"])
        self._acc.clear()
        self._acc_n.clear()
        return (f"Losses became NaN/Inf: rolled back to step {self.step_count} and halved the learning rate "
                f"({lr_before[0]:.2g} -> {self.opt_g.param_groups[0]['lr']:.2g}); "
                f"recovery {self.recoveries} of {self.max_recoveries}.")

    def _try_save(self, kind: str, image: np.ndarray | None = None) -> Event:
        """Save a checkpoint or snapshot; a full or unwritable disk is reported, and training goes on."""
        if kind == "checkpoint" and not self.weights_finite():
            # Never put a NaN state on disk as the latest: the next loss read-back rolls back instead.
            return Message("warning", f"Not saving a checkpoint at step {self.step_count}: the weights hold "
                                      "NaN/Inf values. The last good checkpoint is kept.")
        try:
            path = self.save_checkpoint() if kind == "checkpoint" else self.save_snapshot(image)
        except OSError as e:
            return Message("warning", f"Could not save the {kind} in {self.run.path}: {e.strerror or e}. "
                                      "Older files are intact; free some space or fix the folder's permissions.")
        if kind == "checkpoint":
            self._good = self._capture()
        return Saved(kind, self.step_count, str(path))

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
        if getattr(self, "_probe", None) is not None:
            self._probe.close()  # abandons a running quality evaluation
            self._probe = None
        if self.dist.is_main:
            self.run.release_lock()

    # ------------------------------------------------------------------ quality metrics
    def _open_quality_probe(self) -> tuple[object | None, str | None]:
        """The background evaluator when `metrics_every` asks for one, or (None, why it cannot run)."""
        every = self.cfg.metrics_every or 0.0
        if every <= 0 or not self.dist.is_main:
            return None, None
        from studio.core.metrics.evaluate import Evaluator, MetricsSettings
        from studio.core.metrics.inception import availability
        from studio.core.metrics.probe import QualityProbe

        ok, why = availability(self.cfg.inception or None)
        if not ok:
            return None, why + " Training goes on without them."
        settings = MetricsSettings.for_device(self.device.type, self.cfg.inception or None)
        settings.fake_count = self.cfg.metrics_samples or settings.fake_count
        evaluator = Evaluator(self.dataset.images, settings, self.device, num_classes=self.dataset.num_classes)
        self._probe = QualityProbe(evaluator)
        self._quality_due = (math.floor(self.kimg / every) + 1) * every
        return self._probe, f"Quality metrics (KID, FID, precision/recall, density/coverage) every {every:g} kimg " \
                            f"on {settings.fake_count} generated images."

    def _quality_events(self) -> Iterator[Event]:
        """Hand G_ema to the probe when due (the loop pays only for the copy) and report finished results."""
        probe = self._probe
        if self.kimg >= self._quality_due and not probe.busy:
            self._sync_without_ema()
            report = getattr(self, "report_quality", None)
            if report is not None and not self.run.checkpoint_path(self.step_count).exists():
                # The best-checkpoint keeper copies the evaluated step's checkpoint: make sure there is one.
                yield self._try_save("checkpoint")
            probe.submit(self.step_count, self.kimg, self.G_ema)
            every = self.cfg.metrics_every
            self._quality_due = (math.floor(self.kimg / every) + 1) * every
        for r in probe.results():
            if r.scores is None:
                yield Message("warning", f"{r.error} Quality metrics are off for the rest of this session.")
                probe.close()
                self._probe = None
                return
            q = r.scores
            rec = {"step": r.step, "kimg": round(r.kimg, 4), "kid": q.kid, "kid_std": q.kid_std, "fid": q.fid,
                   "precision": q.precision, "recall": q.recall, "density": q.density, "coverage": q.coverage,
                   "fake_count": q.fake_count, "metrics_seconds": round(r.seconds, 1)}
            try:
                self.run.append_metrics(rec)
            except OSError:
                pass  # the loss records report a failing disk once already
            yield Quality(r.step, r.kimg, q.kid, q.kid_std, q.fid, q.precision, q.recall, q.density, q.coverage,
                          q.fake_count, q.real_count, r.seconds)
            report = getattr(self, "report_quality", None)
            if report is not None:
                try:
                    report(r.step, q.kid)  # keeps the best checkpoint by KID
                except ValueError:
                    pass  # that step's checkpoint was pruned meanwhile: this one cannot become the best

    # ------------------------------------------------------------------ the loop
    def _read_losses(self) -> dict[str, float]:
        if not self._acc:
            return {}
        names = list(self._acc)
        values = torch.stack([self._acc[k] / self._acc_n[k] for k in names]).tolist()  # the one host sync
        self._acc.clear()
        self._acc_n.clear()
        return dict(zip(names, values, strict=True))

    def events(self) -> Iterator[Event]:
        cfg = self.cfg
        target = total_steps(cfg)
        budget = cfg.minutes * 60 if cfg.minutes is not None else None
        yield Started(describe_device(self.device), target, cfg.minutes, self.step_count, len(self.dataset),
                      self.batch, self.resumed_from, self.batch_reason)
        if self.schedule is not None:
            yield Message("info", self.schedule.describe())
        if self.cfg.init_from and self.resumed_from is None and self.step_count == 0:
            frozen = f"; the first {self.cfg.freeze_d} discriminator block(s) stay frozen" if self.cfg.freeze_d else ""
            yield Message("info", f"Fine-tuning from {Path(self.cfg.init_from['run']).name} (step "
                                  f"{self.cfg.init_from.get('step', '?')}): its G, D and averaged G, fresh optimisers"
                                  f"{frozen}.")
        for s in self.dataset.report.skipped[:1]:
            n = len(self.dataset.report.skipped)
            yield Message("warning", f"{n} file(s) skipped; first: {s.path}: {s.reason}")
        session_seconds = 0.0
        t_last = time.perf_counter()
        last_report = last_log = last_sample = -1e9
        last_snapshot = last_ckpt = 0.0
        nimg_at_report, time_at_report = self.nimg, 0.0
        log_acc: dict[str, list[float]] = {}
        reason = "completed"
        metrics_failed = False
        ckpt_path: Path | None = None
        if self.live_samples:
            yield Samples(self.step_count, self.kimg, self.sample_grid())
        self._good = self._capture()
        last_good = 0.0
        _, quality_note = self._open_quality_probe()
        if quality_note:
            yield Message("info" if self._probe is not None else "warning", quality_note)
        while True:
            if self.dist.active:
                # All ranks must leave at the same step: agree every `sync_every` steps.
                if target is not None and self.step_count >= target:
                    break
                if self.step_count % self.sync_every == 0:
                    over = budget is not None and session_seconds >= budget
                    if self.dist.any(self._stop.is_set() or over, self.device):
                        reason = "stopped" if self._stop.is_set() else "completed"
                        break
            elif self._stop.is_set():
                reason = "stopped"
                break
            elif self._pause.is_set():
                yield Paused(self.step_count)
                while self._pause.is_set() and not self._stop.is_set():
                    time.sleep(0.02)
                t_last = time.perf_counter()
                continue
            if target is not None and self.step_count >= target:
                break
            if budget is not None and session_seconds >= budget:
                break
            try:
                self.step()
            except torch.OutOfMemoryError:
                yield Message("warning", self._on_out_of_memory())
                t_last = time.perf_counter()
                continue
            now = time.perf_counter()
            session_seconds += now - t_last
            self.train_seconds += now - t_last
            t_last = now
            done_next = (target is not None and self.step_count >= target) or (
                budget is not None and session_seconds >= budget)
            if not self.dist.is_main:
                continue  # rank 0 reports and writes every file
            if session_seconds - last_report >= self.report_seconds or done_next:
                losses = self._read_losses()
                if not all(math.isfinite(v) for v in losses.values()):
                    self.recoveries += 1
                    yield from self._keep_before_trouble("losses became NaN/Inf")
                    if self.dist.active:  # a roll-back on one rank would desynchronise the others
                        yield Message("error", "Training diverged (losses NaN/Inf). Resume from the last "
                                               "checkpoint with a lower learning rate.")
                        reason = "diverged"
                        break
                    if self.recoveries > self.max_recoveries:
                        yield Message("error", "Training diverged again after 3 recoveries (losses NaN/Inf). "
                                               "Try a lower learning rate, the hinge loss, a larger R1 gamma "
                                               "or a smaller model; the last good checkpoint is kept.")
                        reason = "diverged"
                        break
                    yield Message("warning", self._roll_back())
                    continue
                if session_seconds - last_good >= self.good_state_seconds:
                    self._good, last_good = self._capture(), session_seconds
                for k, v in losses.items():
                    log_acc.setdefault(k, []).append(v)
                window = session_seconds - time_at_report
                ips = (self.nimg - nimg_at_report) / window if window > 0 else 0.0
                nimg_at_report, time_at_report = self.nimg, session_seconds
                eta = fraction = None
                if target is not None:
                    fraction = self.step_count / target
                    eta = (target - self.step_count) * self.batch / ips if ips > 0 else None
                elif budget is not None:
                    fraction = min(1.0, session_seconds / budget)
                    eta = max(0.0, budget - session_seconds)
                p = float(self.augment_p)
                mem = torch.cuda.memory_allocated(self.device) / 2**20 if self.device.type == "cuda" else None
                prog = Progress(self.step_count, self.kimg, target * self.batch / 1000 if target else None, ips,
                                self.train_seconds, eta, fraction, losses, p, mem,
                                resolution=self.stage.resolution if self.schedule else None,
                                alpha=self.stage.alpha if self.schedule else None)
                last_report = session_seconds
                yield prog
                if self.ada is not None:
                    warning = self.health.check_augment(p, self.train_seconds)
                    if warning:
                        self._health_messages.append(warning)
                if session_seconds - last_log >= self.log_seconds or done_next:
                    rec = {"step": self.step_count, "kimg": round(self.kimg, 4), "time": round(self.train_seconds, 3),
                           "images_per_second": round(ips, 2), "augment_p": round(p, 4)}
                    if self.schedule is not None:
                        rec.update(resolution=self.stage.resolution, alpha=round(self.stage.alpha, 4))
                    rec.update({k: sum(v) / len(v) for k, v in log_acc.items()})
                    try:
                        self.run.append_metrics(rec)
                    except OSError as e:
                        if not metrics_failed:  # once: a full disk must not flood the messages
                            yield Message("warning", f"Could not write the metrics log in {self.run.path}: "
                                                     f"{e.strerror or e}. Training goes on.")
                        metrics_failed = True
                    else:
                        metrics_failed = False
                    log_acc.clear()
                    last_log = session_seconds
            if self.live_samples and session_seconds - last_sample >= self.sample_seconds:
                last_sample = session_seconds
                yield Samples(self.step_count, self.kimg, self.sample_grid())
            if session_seconds - last_snapshot >= cfg.snapshot_minutes * 60:
                last_snapshot = session_seconds
                yield self._try_save("snapshot")
            while self._health_messages:
                text = self._health_messages.pop(0)
                yield Message("warning", text)
                yield from self._keep_before_trouble(text.split(":")[0].lower())
            while self._pending_events:
                yield self._pending_events.pop(0)
            if self._probe is not None:
                yield from self._quality_events()
            due_steps = cfg.checkpoint_every > 0 and self.step_count % cfg.checkpoint_every == 0
            if due_steps or session_seconds - last_ckpt >= cfg.checkpoint_minutes * 60:
                last_ckpt = session_seconds
                ev = self._try_save("checkpoint")
                ckpt_path = Path(ev.path) if isinstance(ev, Saved) else ckpt_path
                yield ev
        if not self.dist.is_main:
            yield Finished(reason, self.step_count, self.kimg, None)
            return
        # Always leave a checkpoint and a snapshot of where the run ended (unless it diverged:
        # then the last good checkpoint stays the latest).
        if reason != "diverged" and (ckpt_path is None or ckpt_path != self.run.checkpoint_path(self.step_count)
                                     or not ckpt_path.exists()):
            ev = self._try_save("checkpoint")
            ckpt_path = Path(ev.path) if isinstance(ev, Saved) else ckpt_path
            yield ev
        while self._pending_events:
            yield self._pending_events.pop(0)
        grid = self.sample_grid()
        yield self._try_save("snapshot", grid)
        if self.live_samples:
            yield Samples(self.step_count, self.kimg, grid)
        if ckpt_path is None:
            ckpt_path = self.run.latest_checkpoint()
        yield Finished(reason, self.step_count, self.kimg, str(ckpt_path) if ckpt_path else None)

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


def amp_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for a precision setting ("auto": bf16 on CUDA when supported, else fp16 on
    CUDA; full precision elsewhere, where autocast is slower than fp32 here)."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return None


def _step_of(path: Path) -> int:
    """step-00001234.safetensors -> 1234."""
    return int(Path(path).stem.split("-", 1)[1])


def _check_optimizer(ckpt: Checkpoint, name: str, params: list[torch.Tensor]) -> None:
    """The optimiser state must belong to these parameters: index in range, moments shaped like them."""
    groups = ckpt.state.get(f"{name}_groups")
    if not isinstance(groups, list) or not groups:
        raise StudioError(f"{ckpt.path.name} has no valid optimiser settings ({name}); it cannot be resumed.")
    for key, t in ckpt.section(name).items():
        pid, _, field_name = key.partition(".")
        if not pid.isdigit() or int(pid) >= len(params):
            raise StudioError(f"{ckpt.path.name} does not match this model ({name} state {key!r}).")
        ref = params[int(pid)]
        if t.dim() > 0 and (tuple(t.shape) != tuple(ref.shape) or t.dtype != ref.dtype):
            raise StudioError(f"{ckpt.path.name} does not match this model ({name}.{key} has shape "
                              f"{list(t.shape)} {str(t.dtype).replace('torch.', '')}, expected {list(ref.shape)} "
                              f"{str(ref.dtype).replace('torch.', '')}).")
