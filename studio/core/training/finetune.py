"""Fine-tuning (transfer): a new run that starts from another run's checkpoint, optionally with the
first K discriminator blocks frozen (FreezeD, Mo et al. 2020).

The source is pinned when it is chosen — its checkpoint file and that file's SHA-256 go into the new
run's config — and checked again when the weights are loaded. G, D and G_ema come from the source;
the optimisers, the step count and ADA start fresh.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import torch.nn as nn

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import Checkpoint, file_sha256, load_checkpoint, read_state
from studio.core.formats.run import RunDir
from studio.core.models import ModelSpec
from studio.core.training.losses import LOSS_SPECS, loss_spec

# Layers that only a progressively built network has; a source and a new run may differ in them.
PROGRESSIVE_PARTS = ("heads.", "from_rgbs.")


@dataclass(frozen=True)
class SourceRun:
    """A run (or checkpoint) to start from, as the window shows it and the config records it."""

    run: Path
    checkpoint: Path
    sha256: str
    step: int
    kimg: float
    spec: ModelSpec
    class_names: tuple[str, ...] = ()
    stage: dict | None = None  # the source's progressive stage, if it grew

    @property
    def discriminator_blocks(self) -> int:
        """How many D blocks there are to freeze (one per halving from the full resolution to 4 px)."""
        return max(0, self.spec.resolution.bit_length() - 3)

    def record(self) -> dict:
        """What the new run's config.json keeps as `init_from`."""
        return {"run": str(self.run), "checkpoint": str(self.checkpoint), "sha256": self.sha256, "step": self.step}

    def describe(self) -> str:
        classes = f", {self.spec.num_classes} classes" if self.spec.num_classes else ""
        return (f"{self.run.name}: {self.spec.name} · {_px(self.spec)} · width {self.spec.width}{classes} "
                f"· step {self.step} ({self.kimg:.1f} kimg)")


def find_source(path: str | Path) -> SourceRun:
    """A run folder (its latest checkpoint) or a checkpoint file -> the SourceRun to start from."""
    p = Path(path).expanduser().resolve()
    if p.is_dir():
        ckpt = RunDir(p).latest_checkpoint()
        if ckpt is None:
            raise StudioError(f"{p} has no checkpoint to start from (is it a run folder that has trained?).")
    elif p.is_file():
        ckpt = p
    else:
        raise StudioError(f"{p} does not exist.")
    state = read_state(ckpt)
    run = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent
    return SourceRun(run, ckpt, _sha256(ckpt), state.step, state.kimg, state.spec, tuple(state.class_names),
                     state.progressive)


def _sha256(ckpt: Path) -> str:
    """The checkpoint's SHA-256: from its sidecar when there is one (the trainer verifies it on loading)."""
    try:
        sidecar = json.loads(ckpt.with_suffix(".json").read_text())
        if isinstance(sidecar.get("sha256"), str) and len(sidecar["sha256"]) == 64:
            return sidecar["sha256"]
    except (OSError, ValueError, AttributeError):
        pass
    return file_sha256(ckpt)


def prepare_config(cfg):
    """A TrainConfig with `init_from` pinned (checkpoint + SHA-256) and the source's width and latent size
    where the config leaves them automatic; refuses a mismatched model before any image is decoded."""
    source = find_source(cfg.init_from.get("checkpoint") or cfg.init_from["run"])
    width, z_dim = cfg.width or source.spec.width, cfg.z_dim or source.spec.z_dim
    record = cfg.init_from if cfg.init_from.get("sha256") else source.record()
    # The class count is known only once the new folder is read; the trainer checks it then.
    shape = cfg.canvas()
    target = ModelSpec(cfg.model, shape.scale, z_dim, source.spec.num_classes, width,
                       d_norm=loss_spec(cfg.loss).d_norm, block_w=shape.block_w, block_h=shape.block_h)
    check_compatible(replace(source.spec, progressive=False), target, f"The run '{source.run.name}'")
    return replace(cfg, width=width, z_dim=z_dim, init_from=record)


def _px(spec: ModelSpec) -> str:
    """'64 px' for a square, '24×16 px' otherwise."""
    shape = spec.canvas
    return f"{shape.width} px" if shape.is_square else f"{shape.width}×{shape.height} px"


def check_compatible(source: ModelSpec, target: ModelSpec, name: str) -> None:
    """A StudioError with a sentence when the new run's network cannot take the source's weights."""
    if source.name != target.name:
        raise StudioError(f"{name} was trained with the {source.name} model and this run is set to {target.name}. "
                          f"Fine-tuning continues the same network: choose {source.name}.")
    if source.block != target.block:
        src = source.canvas
        raise StudioError(f"{name} was trained on {src.describe()} pictures and this run is set to "
                          f"{target.canvas.describe()}. Its layers are made for one shape, so fine-tune in its "
                          f"shape (--aspect {src.aspect} --resolution {src.long_side}) or train from scratch.")
    if source.resolution != target.resolution:
        raise StudioError(f"{name} was trained at {_px(source)} and this run is set to {_px(target)}. Its "
                          f"layers are made for one size, so fine-tune at {_px(source)} (the new images are "
                          "resized to it) or train from scratch.")
    if source.width != target.width or source.z_dim != target.z_dim:
        raise StudioError(f"{name} has network width {source.width} and latent size {source.z_dim}; this run asks "
                          f"for width {target.width} and latent size {target.z_dim}. Leave them automatic to take "
                          "the source's.")
    if source.num_classes != target.num_classes:
        def classes(n: int) -> str:
            return f"{n} classes" if n else "no classes"

        raise StudioError(f"{name} was trained with {classes(source.num_classes)} and the new images have "
                          f"{classes(target.num_classes)}. Use a folder with the same number of class "
                          "sub-folders (or turn classes off on both).")
    if source.d_norm != target.d_norm:
        fit = ", ".join(s.label for s in LOSS_SPECS if s.d_norm == source.d_norm)
        unfit = ", ".join(s.label for s in LOSS_SPECS if s.d_norm != source.d_norm)
        has = "has normalisation layers" if source.d_norm else "has no normalisation layers"
        raise StudioError(f"{name}'s discriminator {has}, so it cannot continue with this run's loss: fine-tune "
                          f"with one of {fit} (not {unfit}).")


def load_source_weights(ckpt: Checkpoint, expected_sha256: str | None, modules: dict[str, nn.Module],
                        target: ModelSpec) -> None:
    """Copy G, D and G_ema from the source checkpoint into the new run's networks.

    Only the layers of progressive growing may be missing on either side (a grown source into a
    fixed-size run, or the reverse); every other tensor must match."""
    if expected_sha256 is not None:
        actual = hashlib.sha256(ckpt.path.read_bytes()).hexdigest()
        if actual != expected_sha256:
            raise StudioError(f"{ckpt.path.name} has changed since it was chosen to start from (its SHA-256 "
                              "differs). Choose the run again.")
    source = ckpt.state.spec
    check_compatible(replace(source, progressive=False), replace(target, progressive=False), ckpt.path.name)
    for name, module in modules.items():
        tensors = ckpt.section(name)
        if not tensors:
            raise StudioError(f"{ckpt.path.name} holds no {name} weights to start from.")
        try:
            missing, unexpected = module.load_state_dict(tensors, strict=False)
        except RuntimeError as e:
            raise StudioError(f"{ckpt.path.name} does not fit this network: {e}") from None
        odd = [k for k in missing + unexpected if not k.startswith(PROGRESSIVE_PARTS)]
        if odd:
            raise StudioError(f"{ckpt.path.name} does not fit this network ({name}: {', '.join(odd[:4])}).")


def load_source(init_from: dict) -> Checkpoint:
    path = Path(init_from.get("checkpoint") or init_from["run"])
    if path.is_dir():
        path = find_source(path).checkpoint
    if not path.exists():
        raise StudioError(f"The checkpoint to start from, {path}, is not there any more.")
    return load_checkpoint(path)


def freeze_blocks(D: nn.Module, k: int) -> list[nn.Parameter]:
    """Freeze D's first k blocks (from the image inwards); returns the parameters that still train.

    Frozen batch norms keep normalising with the batch's statistics (as in training) but stop
    updating their running averages, so every frozen tensor stays bit-for-bit the source's."""
    blocks = D.trunk_blocks()
    if k > len(blocks):
        raise StudioError(f"The discriminator has {len(blocks)} blocks at this resolution; "
                          f"{k} cannot be frozen (choose 0–{len(blocks)}).")
    frozen: set[int] = set()
    for block in blocks[:k]:
        for module in block:
            for p in module.parameters():
                frozen.add(id(p))
            for m in module.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.track_running_stats = False
    return [p for p in D.parameters() if id(p) not in frozen]
