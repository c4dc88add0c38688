"""Multi-process training with torch.distributed (launched by `torchrun`): NCCL on GPUs, Gloo on CPU.

Gradients are averaged with one all-reduce of a flattened buffer per network after each backward,
as StyleGAN2-ADA/3 do, rather than through DistributedDataParallel: a GAN step runs the
discriminator several times per backward (reals, fakes, then the generator's pass) and lazy R1
takes a double backward, neither of which fits DDP's one-forward-one-backward hooks.
Everything else is PyTorch's own: process groups, rendezvous, collectives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from studio.core.errors import StudioError


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1

    def average_grads(self, module: torch.nn.Module) -> None:
        if not self.active:
            return
        params = [p for p in module.parameters() if p.requires_grad]
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for p in params:
            n = p.numel()
            p.grad = flat[offset: offset + n].view_as(p).clone()
            offset += n

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.active:
            t = t.clone()
            dist.all_reduce(t)
        return t

    def any(self, flag: bool, device: torch.device) -> bool:
        """True on every rank if any rank says True (used to stop all ranks at the same step)."""
        if not self.active:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def barrier(self) -> None:
        if self.active:
            dist.barrier()


def from_environment(device: str = "auto") -> tuple[DistContext, str]:
    """Join the process group that `torchrun` describes in the environment; (context, device name)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext(), device
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device in ("auto", "cuda") and torch.cuda.is_available()
    if device == "cuda" and not use_cuda:
        raise StudioError("CUDA was asked for, but no CUDA GPU is available on this machine.")
    if use_cuda:
        torch.cuda.set_device(local_rank)
        device = f"cuda:{local_rank}"
    elif device == "auto":
        device = "cpu"
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistContext(rank, world, local_rank), device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
