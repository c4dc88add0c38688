"""The training state in and out of a checkpoint: the tensors and the JSON header written, and the checks
and restore on resume (model description, tensor names, shapes and dtypes, optimiser state, RNG,
position). The file format itself (atomic safetensors, sidecars) is checkpoint.py's."""

from __future__ import annotations

import dataclasses

import torch

from studio import __version__
from studio.core.errors import StudioError
from studio.core.formats.checkpoint import Checkpoint, check_tensors, flatten_optimizer, unflatten_optimizer
from studio.core.formats.checkpoint_state import CheckpointState
from studio.core.training.config import TrainConfig
from studio.core.training.state import Networks, TrainState


def state_json(nets: Networks, state: TrainState, cfg: TrainConfig, class_names: list[str],
               growing: bool) -> CheckpointState:
    """The checkpoint's header: what the run is and where it stands."""
    return CheckpointState(
        spec=nets.spec,
        config=cfg.to_json(),
        step=state.step,
        nimg=state.nimg,
        kimg=state.kimg,
        train_seconds=state.train_seconds,
        class_names=list(class_names),
        studio_version=__version__,
        ada=nets.ada.state() if nets.ada is not None else None,
        progressive=state.stage.to_json() if growing else None,
        grad_scale=({"d": nets.scaler_d.state_dict(), "g": nets.scaler_g.state_dict()}
                    if nets.scaler_d.is_enabled() else None),
    )


def checkpoint_contents(nets: Networks, state: TrainState, cfg: TrainConfig, class_names: list[str],
                        growing: bool) -> tuple[dict[str, torch.Tensor], CheckpointState]:
    """(tensors, header) of the full training state; G_ema is synced first when there is no EMA."""
    nets.sync_without_ema()
    tensors: dict[str, torch.Tensor] = {}
    for name, module in nets.modules():
        tensors.update({f"{name}.{k}": v for k, v in module.state_dict().items()})
    og, groups_g = flatten_optimizer(nets.opt_g, "opt_g")
    od, groups_d = flatten_optimizer(nets.opt_d, "opt_d")
    tensors.update(og)
    tensors.update(od)
    tensors["rng.trainer"] = nets.gen.get_state()
    tensors["rng.local"] = nets.gen_local.get_state()
    header = dataclasses.replace(state_json(nets, state, cfg, class_names, growing),
                                 opt_g_groups=groups_g, opt_d_groups=groups_d)
    return tensors, header


def restore(ckpt: Checkpoint, nets: Networks, state: TrainState, cfg: TrainConfig, rank: int,
            distributed: bool) -> None:
    """Restore a checkpoint after checking its model description, tensor names, shapes and dtypes.
    The caller puts the networks at the restored position's progressive stage."""
    spec = ckpt.state.spec  # checked when the file was read
    if spec != nets.spec:
        raise StudioError(
            f"{ckpt.path.name} was trained as {spec.name} at {spec.canvas.describe()} with "
            f"{spec.num_classes} classes; this run needs {nets.spec.name} at {nets.spec.canvas.describe()} "
            f"with {nets.spec.num_classes} classes."
        )
    for name, module in nets.modules():
        check_tensors(ckpt.path, name, ckpt.section(name), module.state_dict())
    for name, opt in (("opt_g", nets.opt_g), ("opt_d", nets.opt_d)):
        check_optimizer(ckpt, name, [p for g in opt.param_groups for p in g["params"]])
    for key in ("rng.trainer",):
        if key not in ckpt.tensors or ckpt.tensors[key].dtype != torch.uint8:
            raise StudioError(f"{ckpt.path.name} has no valid random-generator state; it cannot be resumed.")
    try:
        nets.G.load_state_dict(ckpt.section("G"))
        nets.D.load_state_dict(ckpt.section("D"))
        nets.G_ema.load_state_dict(ckpt.section("G_ema"))
        nets.opt_g.load_state_dict(unflatten_optimizer(ckpt.section("opt_g"), ckpt.state.opt_g_groups))
        nets.opt_d.load_state_dict(unflatten_optimizer(ckpt.section("opt_d"), ckpt.state.opt_d_groups))
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        raise StudioError(f"{ckpt.path.name} does not match this model: {e}") from None
    nets.gen.set_state(ckpt.tensors["rng.trainer"])
    if "rng.local" in ckpt.tensors and not distributed:
        nets.gen_local.set_state(ckpt.tensors["rng.local"])
    else:  # another process layout: fresh per-rank streams, still reproducible
        nets.gen_local.manual_seed(cfg.seed + 1_000_003 * (rank + 1) + ckpt.state.step)
    state.step = ckpt.state.step
    state.nimg = ckpt.state.nimg
    state.train_seconds = ckpt.state.train_seconds
    if nets.ada is not None and ckpt.state.ada:
        nets.ada.load_state(ckpt.state.ada)
    scales = ckpt.state.grad_scale
    if nets.scaler_d.is_enabled() and isinstance(scales, dict):
        try:
            nets.scaler_d.load_state_dict(scales["d"])
            nets.scaler_g.load_state_dict(scales["g"])
        except (KeyError, TypeError, ValueError, RuntimeError):
            pass  # a fresh scale finds its level again within a few steps


def check_optimizer(ckpt: Checkpoint, name: str, params: list[torch.Tensor]) -> None:
    """The optimiser state must belong to these parameters: index in range, moments shaped like them."""
    groups = getattr(ckpt.state, f"{name}_groups")
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
