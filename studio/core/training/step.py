"""One training step: the networks and optimisers a config builds, and `GanStep`, which does one
discriminator update (plus the loss's penalties, lazy R1/R2 when due, weight clipping) and one generator
update, as the run's LossSpec says. Losses stay on the device; `LossMeter` averages them until the loop
reads them back at the display rate (one host sync)."""

from __future__ import annotations

import copy

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.models.registry import architecture
from studio.core.models import ModelSpec, build_models
from studio.core.training import losses as L
from studio.core.training.augment import AdaController, augment
from studio.core.training.config import TrainConfig
from studio.core.training.distributed import DistContext
from studio.core.training.ema import EMA
from studio.core.training.finetune import freeze_blocks
from studio.core.training.progressive import Schedule, real_at_stage
from studio.core.training.state import Networks, TrainState


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


def build_optimizers(cfg: TrainConfig, loss: L.LossSpec, G: torch.nn.Module, d_trainable: list,
                     device: torch.device) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    """The loss's optimiser for G and D. With lazy R1, D's learning rate and betas are scaled as in
    StyleGAN2 so that the penalty's extra steps keep the same effective optimisation."""
    lr_g, lr_d = loss.lr or cfg.lr_g, loss.lr or cfg.lr_d
    if loss.optimizer == "rmsprop":
        return torch.optim.RMSprop(G.parameters(), lr=lr_g), torch.optim.RMSprop(d_trainable, lr=lr_d)
    ratio = cfg.r1_interval / (cfg.r1_interval + 1) if cfg.r1_gamma > 0 else 1.0
    fast = {"foreach": True} if device.type != "cuda" else {"fused": True}
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(cfg.beta1, cfg.beta2), **fast)
    opt_d = torch.optim.Adam(d_trainable, lr=lr_d * ratio, betas=(cfg.beta1**ratio, cfg.beta2**ratio), **fast)
    return opt_g, opt_d


def build_networks(cfg: TrainConfig, spec: ModelSpec, device: torch.device, dist: DistContext) -> Networks:
    """Fresh G, D, G_ema (seeded by the config), their optimisers and scalers, EMA, ADA and RNG streams."""
    torch.manual_seed(cfg.seed)
    G, D = build_models(spec)
    G, D = G.to(device), D.to(device)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    G_ema.upsample_output = True  # samples, snapshots and metrics see every stage at full size
    # FreezeD: the first `freeze_d` blocks of D keep the source's weights; only the rest is optimised.
    d_trainable = freeze_blocks(D, cfg.freeze_d)
    if device.type == "cuda":
        for m in (G, D, G_ema):
            m.to(memory_format=torch.channels_last)
    if cfg.compile:
        # In place (module.compile keeps state_dict names). The step calls mapping and synthesis
        # separately, so those are what get compiled; the EMA copy and explorers stay eager.
        for m in (G.mapping, G.synthesis, D):
            m.compile()
    # fp16 has too few exponent bits for GAN gradients: loss scaling keeps them from flushing to zero.
    fp16 = amp_dtype(cfg.precision, device) == torch.float16
    opt_g, opt_d = build_optimizers(cfg, L.loss_spec(cfg.loss), G, d_trainable, device)
    return Networks(
        spec=spec, G=G, D=D, G_ema=G_ema, d_trainable=d_trainable, opt_g=opt_g, opt_d=opt_d,
        scaler_g=torch.amp.GradScaler(device.type, enabled=fp16),
        scaler_d=torch.amp.GradScaler(device.type, enabled=fp16),
        gen=torch.Generator(device=device).manual_seed(cfg.seed),
        gen_local=torch.Generator(device=device).manual_seed(cfg.seed + 1_000_003 * (dist.rank + 1)),
        ema=EMA(G, G_ema, cfg.ema_kimg, cfg.ema_rampup) if cfg.ema_kimg > 0 else None,
        ada=(AdaController(device, cfg.ada_target, cfg.ada_kimg, cfg.ada_interval, reduce=dist.sum)
             if cfg.augment == "ada" else None),
    )


class LossMeter:
    """Per-step losses summed on the device; `read()` averages them with one host sync and starts over."""

    def __init__(self) -> None:
        self._sum: dict[str, torch.Tensor] = {}
        self._n: dict[str, int] = {}

    def add(self, name: str, value: torch.Tensor) -> None:
        v = value.detach().float()
        if name in self._sum:
            self._sum[name] += v
            self._n[name] += 1
        else:
            self._sum[name] = v.clone()
            self._n[name] = 1

    def read(self) -> dict[str, float]:
        if not self._sum:
            return {}
        names = list(self._sum)
        values = torch.stack([self._sum[k] / self._n[k] for k in names]).tolist()  # the one host sync
        self.clear()
        return dict(zip(names, values, strict=True))

    def clear(self) -> None:
        self._sum.clear()
        self._n.clear()


class GanStep:
    """One D update and one G update on the run's data, as the run's LossSpec says."""

    def __init__(self, cfg: TrainConfig, nets: Networks, state: TrainState, images: np.ndarray, labels: np.ndarray,
                 num_classes: int, device: torch.device, dist: DistContext, schedule: Schedule | None) -> None:
        self.cfg, self.nets, self.state, self.device, self.dist, self.schedule = cfg, nets, state, device, dist, schedule
        self.loss = L.loss_spec(cfg.loss)
        self.amp_dtype = amp_dtype(cfg.precision, device)
        self.memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format
        if cfg.batch % dist.world:
            raise StudioError(f"The batch ({cfg.batch}) must divide evenly among the {dist.world} processes.")
        self.local_batch = cfg.batch // dist.world
        self.accum = 1  # gradient-accumulation chunks per step (raised after an out-of-memory)
        self.images = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).to(device)
        self.labels = torch.from_numpy(labels).to(device)
        self.conditional = num_classes > 0
        self.fixed_p = torch.tensor(1.0 if cfg.augment == "diff" else 0.0, device=device)
        self.use_r1 = cfg.r1_gamma > 0
        self.meter = LossMeter()
        self._chunks: list[int] = []
        self._chunks_key: tuple[int, int] | None = None

    @property
    def augment_p(self) -> torch.Tensor:
        return self.nets.ada.p if self.nets.ada is not None else self.fixed_p

    # ------------------------------------------------------------------ progressive growing
    def apply_stage(self) -> None:
        """Put G, D and G_ema at the schedule's stage for the run's current position."""
        if self.schedule is None:
            return
        position = self.state.train_seconds / 60 if self.schedule.unit == "minutes" else self.state.nimg / 1000
        stage = self.schedule.stage_at(position)
        nets = self.nets
        if stage != self.state.stage or nets.G.stage_res != stage.resolution:
            self.state.stage = stage
            for m in (nets.G, nets.D, nets.G_ema):
                m.set_stage(stage.resolution, stage.alpha)

    # ------------------------------------------------------------------ the batch
    def _mine(self, t: torch.Tensor, b: int) -> torch.Tensor:
        """This rank's slice of a quantity drawn for all ranks."""
        return t[self.dist.rank * b: (self.dist.rank + 1) * b] if self.dist.active else t

    def real_batch(self, b: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        dev, n, gen = self.device, b * self.dist.world, self.nets.gen
        idx = self._mine(torch.randint(0, self.images.shape[0], (n,), device=dev, generator=gen), b)
        x = self.images[idx].float().div_(127.5).sub_(1.0)
        if self.cfg.mirror:
            flip = self._mine(torch.rand(n, 1, 1, 1, device=dev, generator=gen), b) < 0.5
            x = torch.where(flip, x.flip(3), x)
        if self.schedule is not None:
            x = real_at_stage(x, self.state.stage, self.nets.spec.resolution)  # from the cached full-size images, never decoded again
        x = x.contiguous(memory_format=self.memory_format)
        return x, (self.labels[idx] if self.conditional else None)

    def fake_labels(self, b: int) -> torch.Tensor | None:
        if not self.conditional:
            return None
        n = b * self.dist.world
        idx = self._mine(torch.randint(0, self.labels.shape[0], (n,), device=self.device, generator=self.nets.gen), b)
        return self.labels[idx]

    def generate(self, c: torch.Tensor | None, b: int) -> torch.Tensor:
        dev, n, G, gen = self.device, b * self.dist.world, self.nets.G, self.nets.gen
        z = self._mine(torch.randn(n, self.nets.spec.z_dim, device=dev, generator=gen), b)
        ws = G.mapping(z, c, update_w_avg=True)
        if architecture(self.nets.spec.name).per_layer_w and self.cfg.style_mixing > 0:
            # Style-mixing regularisation: from a random layer on, styles come from a second latent.
            z2 = self._mine(torch.randn(n, self.nets.spec.z_dim, device=dev, generator=gen), b)
            cutoff = torch.randint(1, ws.shape[1], (), device=dev, generator=gen)
            use = torch.rand((), device=dev, generator=gen) < self.cfg.style_mixing
            layer = torch.arange(ws.shape[1], device=dev)[None, :, None]
            ws = torch.where((layer >= cutoff) & use, G.mapping(z2, c), ws)
        return G.synthesis(ws, noise_mode="random", generator=self.nets.gen_local)

    def aug(self, x: torch.Tensor) -> torch.Tensor:
        if self.cfg.augment == "none":
            return x
        # The translation's gather leaves a permuted (non-contiguous) tensor; BatchNorm on MPS mishandles those.
        return augment(x, self.augment_p, self.nets.gen_local).contiguous(memory_format=self.memory_format)

    def autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None)

    def set_d_trainable(self, on: bool) -> None:
        for p in self.nets.d_trainable:
            p.requires_grad_(on)

    # ------------------------------------------------------------------ the step
    def run(self) -> dict[str, torch.Tensor]:
        """One discriminator update (plus lazy R1/R2 when due) and one generator update.

        Normally the generator's fakes are made once and judged twice (D step, then G step). After a
        GPU out-of-memory the batch is split into `accum` micro-batches whose gradients add up to the
        same effective batch; then each phase makes its own fakes, so no graph is held across chunks.
        """
        cfg, nets, loss, state = self.cfg, self.nets, self.loss, self.state
        G, D = nets.G, nets.D
        self.apply_stage()
        G.train()
        D.train()
        sizes = self.chunk_sizes()
        whole = self.accum == 1
        out: dict[str, torch.Tensor] = {}

        def add(name: str, value: torch.Tensor, weight: float) -> None:
            out[name] = out.get(name, 0) + value.detach() * weight

        # Discriminator (its frozen blocks, when fine-tuning with FreezeD, never take gradients).
        self.set_d_trainable(True)
        nets.opt_d.zero_grad(set_to_none=True)
        reals, fakes, d_reals, kept = [], [], [], None
        for b in sizes:
            w = b / self.local_batch
            real, c_real = self.real_batch(b)
            c_fake = self.fake_labels(b)
            with self.autocast(), torch.set_grad_enabled(whole):
                fake = self.generate(c_fake, b)
            if whole:
                kept = (fake, c_fake)
            with self.autocast():
                real_aug = self.aug(real)
                d_real = D(real_aug, c_real).float()
                fake_aug = self.aug(fake.detach())
                d_fake = D(fake_aug, c_fake).float()
                loss_d = loss.d_loss(d_real, d_fake)
            add("loss_d", loss_d, w)
            if loss.gp_weight:
                gp = L.gradient_penalty(D, real_aug, self.aug(fake.detach()), c_real, nets.gen_local)
                loss_d = loss_d + loss.gp_weight * gp
                add("gp", gp, w)
            nets.scaler_d.scale(loss_d * w).backward()
            reals.append((real_aug.detach(), c_real, w))
            if loss.r2:
                fakes.append((fake_aug.detach(), c_fake, w))
            d_reals.append(d_real.detach())
        self.dist.average_grads(D)
        self._opt_step(nets.opt_d, nets.scaler_d)
        if loss.clip is not None:
            with torch.no_grad():
                for p in nets.d_trainable:
                    p.clamp_(-loss.clip, loss.clip)
        if self.use_r1 and state.step % cfg.r1_interval == 0:
            nets.opt_d.zero_grad(set_to_none=True)
            for real_aug, c_real, w in reals:
                r1 = L.r1_penalty(D, real_aug, c_real)
                nets.scaler_d.scale(r1 * (cfg.r1_gamma / 2) * cfg.r1_interval * w).backward()
                add("r1", r1, w)
            for fake_aug, c_fake, w in fakes:  # R2: the same zero-centred penalty on fakes
                r2 = L.r1_penalty(D, fake_aug, c_fake)
                nets.scaler_d.scale(r2 * (cfg.r1_gamma / 2) * cfg.r1_interval * w).backward()
                add("r2", r2, w)
            self.dist.average_grads(D)
            self._opt_step(nets.opt_d, nets.scaler_d)
        if nets.ada is not None:
            nets.ada.observe(torch.cat(d_reals), self.local_batch)

        # Generator: judged by the updated discriminator.
        self.set_d_trainable(False)
        nets.opt_g.zero_grad(set_to_none=True)
        for i, b in enumerate(sizes):
            w = b / self.local_batch
            if kept is not None:
                fake, c_fake = kept
            else:
                c_fake = self.fake_labels(b)
                with self.autocast():
                    fake = self.generate(c_fake, b)
            with self.autocast():
                d_real = None
                if loss.g_needs_real:  # relativistic: the updated D's verdict on the same reals
                    real_aug, c_real, _ = reals[i]
                    with torch.no_grad():
                        d_real = D(real_aug, c_real).float()
                loss_g = loss.g_loss(D(self.aug(fake), c_fake).float(), d_real)
            nets.scaler_g.scale(loss_g * w).backward()
            add("loss_g", loss_g, w)
        self.dist.average_grads(G)
        self._opt_step(nets.opt_g, nets.scaler_g)

        state.step += 1
        state.nimg += cfg.batch
        self.apply_stage()  # the stage of the new position: what samples, checkpoints and resume see
        if nets.ema is not None and self.dist.is_main:  # G_ema lives on rank 0, which writes the files
            nets.ema.update(cfg.batch, state.nimg)
        for k, v in out.items():
            self.meter.add(k, v)
        return out

    def chunk_sizes(self) -> list[int]:
        """Micro-batch sizes (one chunk unless an out-of-memory split the batch); cached off the hot path."""
        key = (self.local_batch, self.accum)
        if self._chunks_key != key:
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

    def on_out_of_memory(self) -> str:
        """Free what the failed step held and split the batch in two (same effective batch)."""
        self.nets.opt_d.zero_grad(set_to_none=True)
        self.nets.opt_g.zero_grad(set_to_none=True)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if self.local_batch // (self.accum * 2) < 1:
            raise StudioError("The GPU ran out of memory even with one image at a time: "
                              "choose a lower resolution or a smaller model.")
        self.accum *= 2
        micro = -(-self.local_batch // self.accum)
        return (f"Out of GPU memory: now {self.accum} chunks of {micro} images per step "
                f"(the effective batch stays {self.cfg.batch}).")
