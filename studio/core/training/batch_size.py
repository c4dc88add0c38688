"""The automatic batch size on a GPU: the largest that fits in free memory with a margin.

Peak memory of a training step grows linearly with the batch (activations, their gradients) on top of a
fixed part (weights, gradients, optimiser state, workspace). Two trial steps at small batches give the
line; the batch is the largest multiple of 8 under `margin` × free memory, capped by the recipe's
preferred maximum for the resolution (a larger batch buys speed, but GAN recipes tuned at 32–64 stop
improving and ADA's statistics change well beyond it). One more trial at the chosen batch confirms it;
an out-of-memory there halves it. On CPU and MPS (no reliable free-memory query) the recipe's batch
stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

MARGIN = 0.8  # of free memory; the rest is for fragmentation, the sample grid and other programs
TRIALS = (4, 8)


@dataclass(frozen=True)
class BatchChoice:
    batch: int
    reason: str  # one sentence for the user


def preferred_max(resolution: int) -> int:
    """Largest batch the recipe wants at this resolution on a GPU."""
    return 128 if resolution <= 64 else 64 if resolution <= 256 else 32 if resolution <= 512 else 16


def fit_batch(peak_bytes: Callable[[int], int], free_bytes: int, cap: int, margin: float = MARGIN) -> int:
    """Largest multiple of 8 (at least 8, or 4 if even 8 does not fit) whose predicted peak stays under
    margin × free memory, from `peak_bytes(batch)` measured at two small batches; at most `cap`."""
    b1, b2 = TRIALS
    m1, m2 = peak_bytes(b1), peak_bytes(b2)
    per_image = max(1.0, (m2 - m1) / (b2 - b1))
    fixed = max(0.0, m1 - per_image * b1)
    budget = margin * free_bytes - fixed
    fits = int(budget // per_image)
    if fits < 8:
        return 4 if fits >= 4 else max(1, fits)
    return max(8, min(cap, fits) // 8 * 8)


def cuda_peak(step: Callable[[int], None], device: torch.device) -> Callable[[int], int]:
    """`step(batch)` runs one training step; returns a function measuring its peak allocation."""

    def peak(batch: int) -> int:
        torch.cuda.synchronize(device)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        step(batch)
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device)

    return peak


def trial_step(spec, device: torch.device, loss: str, r1: bool) -> Callable[[int], None]:
    """One full step (D with R1 when used, G, both optimisers) on fresh models, for measuring memory.

    The models live as long as the returned function, so weights and Adam state count in the fixed part
    of every trial, as they will in training; the trainer's own models are untouched."""
    from studio.core.models import build_models
    from studio.core.training import losses as L

    spec_loss = L.loss_spec(loss)
    G, D = (m.to(device).to(memory_format=torch.channels_last) for m in build_models(spec))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4)
    cuda = device.type == "cuda"
    amp = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else torch.float16

    def step(batch: int) -> None:
        z = torch.randn(batch, spec.z_dim, device=device)
        c = torch.zeros(batch, dtype=torch.long, device=device) if spec.num_classes else None
        real = torch.randn(batch, 3, spec.canvas.height, spec.canvas.width, device=device)
        with torch.autocast(device.type, dtype=amp, enabled=cuda):
            fake = G(z, c)
            loss_d = spec_loss.d_loss(D(real, c).float(), D(fake.detach(), c).float())
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        if r1:
            opt_d.zero_grad(set_to_none=True)
            L.r1_penalty(D, real, c).backward()
        opt_d.step()
        with torch.autocast(device.type, dtype=amp, enabled=cuda):
            d_real = D(real, c).float().detach() if spec_loss.g_needs_real else None
            loss_g = spec_loss.g_loss(D(fake, c).float(), d_real)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        opt_g.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)

    step.models = (G, D)  # the trial's own models (tests check that they, and nothing else, train)
    return step


def choose_batch(step: Callable[[int], None], device: torch.device, resolution: int,
                 fallback: int) -> BatchChoice:
    """Pick the batch for `device`; `step(batch)` must run one full training step at that batch."""
    if device.type != "cuda":
        return BatchChoice(fallback, f"batch {fallback}: the recipe's choice for {resolution} px on this device")
    free, total = torch.cuda.mem_get_info(device)
    cap = preferred_max(resolution)
    try:
        batch = fit_batch(cuda_peak(step, device), free, cap)
    except torch.OutOfMemoryError:
        torch.cuda.empty_cache()
        return BatchChoice(4, "batch 4: even small trial batches barely fit in the GPU's free memory")
    while batch > 1:
        try:
            step(batch)
            torch.cuda.synchronize(device)
            break
        except torch.OutOfMemoryError:
            torch.cuda.empty_cache()
            batch //= 2
    gib = free / 2**30
    why = "the recipe's maximum" if batch == cap else "the largest that fits"
    return BatchChoice(batch, f"batch {batch}: {why} with {gib:.1f} GiB of GPU memory free")
