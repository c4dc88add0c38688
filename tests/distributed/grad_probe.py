"""Run by tests under torchrun (or plainly, for one process): one training step, then writes the
averaged gradients that each optimiser applied, from rank 0, as safetensors."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from studio.core.device import pick_device
from studio.core.training.config import TrainConfig
from studio.core.training.distributed import from_environment, shutdown
from studio.core.training.trainer import Trainer


def main(data: str, run: str, out: str) -> None:
    dist, device = from_environment("cpu")
    cfg = TrainConfig(data=data, model="style", resolution=16, batch=8, width=16, z_dim=16, grid=4, device="cpu",
                      steps=1, augment="none", style_mixing=0.0, r1_gamma=0.0)
    trainer = Trainer(cfg, run, dist=dist, device=pick_device(device))
    grads: dict[str, torch.Tensor] = {}

    def capture(prefix, module, opt):
        original = opt.step

        def step(*a, **kw):
            for name, p in module.named_parameters():
                if p.grad is not None:
                    grads[f"{prefix}.{name}"] = p.grad.detach().clone()
            return original(*a, **kw)

        opt.step = step

    capture("D", trainer.D, trainer.opt_d)
    capture("G", trainer.G, trainer.opt_g)
    trainer.step()
    if dist.is_main:
        save_file(grads, out)
    trainer.close()
    dist.barrier()  # rank 1 must not tear the group down while rank 0 still writes (studio train does the same)
    shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:4])
