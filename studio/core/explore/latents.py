"""Seeds, latents and the paths between them."""

from __future__ import annotations

import numpy as np
import torch


def z_from_seed(seed: int, z_dim: int) -> torch.Tensor:
    """The latent of a seed: the same on every device and platform (NumPy's legacy generator, as StyleGAN)."""
    return torch.from_numpy(np.random.RandomState(int(seed) % (2**32)).randn(1, z_dim)).float()


def parse_seeds(text: str) -> list[int]:
    """'0-3,7,10-11' -> [0, 1, 2, 3, 7, 10, 11]."""
    from studio.core.errors import StudioError

    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                a, b = part.split("-", 1) if not part.startswith("-") else (part, part)
                lo, hi = int(a), int(b)
                if hi < lo or hi - lo > 100_000:
                    raise ValueError
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise StudioError(f"'{part}' is not a seed or a range of seeds (e.g. 0-15 or 1,5,9).") from None
    if not seeds:
        raise StudioError("No seeds given.")
    return seeds


def lerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Linear interpolation (the right path in w space); t=0 gives a, t=1 gives b exactly."""
    if t == 0:
        return a.clone()
    if t == 1:
        return b.clone()
    return a + (b - a) * float(t)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation along the last axis (the right path in Gaussian z space).

    Keeps the norm of the path near that of typical samples, so mid-points stay in-distribution.
    """
    if t == 0:
        return a.clone()
    if t == 1:
        return b.clone()
    an = a / a.norm(dim=-1, keepdim=True).clamp_min(eps)
    bn = b / b.norm(dim=-1, keepdim=True).clamp_min(eps)
    dot = (an * bn).sum(-1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.arccos(dot)
    so = torch.sin(omega)
    t = float(t)
    near = so.abs() < eps  # (anti)parallel vectors: fall back to lerp
    sa = torch.where(near, torch.full_like(so, 1 - t), torch.sin((1 - t) * omega) / so.clamp_min(eps))
    sb = torch.where(near, torch.full_like(so, t), torch.sin(t * omega) / so.clamp_min(eps))
    return sa * a + sb * b


def truncate(w: torch.Tensor, w_avg: torch.Tensor, psi: float) -> torch.Tensor:
    """The truncation trick: move w towards the mean w (psi=0: the mean; psi=1: unchanged)."""
    if psi == 1:
        return w
    return w_avg.to(w).lerp(w, float(psi))


def blend(ws: torch.Tensor, weights: torch.Tensor | list[float]) -> torch.Tensor:
    """Weighted mean of latents [N, ...] -> [1, ...]; the weights are normalised to sum to 1."""
    from studio.core.errors import StudioError

    w = torch.as_tensor(weights, dtype=ws.dtype, device=ws.device).flatten()
    if w.shape[0] != ws.shape[0] or not torch.isfinite(w).all() or bool((w < 0).any()) or float(w.sum()) <= 0:
        raise StudioError("Blend weights must be one non-negative number per latent, not all zero.")
    w = w / w.sum()
    return (ws * w.reshape(-1, *([1] * (ws.dim() - 1)))).sum(0, keepdim=True)


def inverse_distance_weights(point: tuple[float, float], pins: list[tuple[float, float]],
                             power: float = 2.0, eps: float = 1e-6) -> list[float]:
    """Shepard weights: nearer pins weigh more; standing on a pin gives that pin alone."""
    if not pins:
        return []
    d = np.array([np.hypot(point[0] - x, point[1] - y) for x, y in pins], dtype=np.float64)
    hit = d < eps
    if hit.any():
        return [1.0 if h else 0.0 for h in hit]
    w = 1.0 / d**power
    return (w / w.sum()).tolist()


def ease(t: float) -> float:
    """Smoothstep: zero velocity at both ends, so chained segments do not jerk."""
    return t * t * (3 - 2 * t)


def path_positions(n_keys: int, frames: int, loop: bool) -> list[tuple[int, int, float]]:
    """For each frame, (key a, key b, t in [0, 1]) along a chain of keys, optionally closing the loop."""
    from studio.core.errors import StudioError

    if n_keys < 1 or frames < 1:
        raise StudioError("An animation needs at least one key latent and one frame.")
    segs = n_keys if loop else max(1, n_keys - 1)
    out = []
    for f in range(frames):
        # A loop never shows its first frame twice; an open path ends exactly on the last key.
        u = f / frames * segs if loop else (f / max(1, frames - 1)) * segs
        i = min(int(u), segs - 1)
        t = u - i
        out.append((i % n_keys, (i + 1) % n_keys if n_keys > 1 else 0, ease(t)))
    return out


def walk_z(seed: int, z_dim: int, t: float, turns: int = 1, keys: int = 3) -> torch.Tensor:
    """The point at phase t (period 1) of a smooth looping random walk through z, [1, z_dim].

    Each coordinate follows a random periodic curve sum_k a_k cos(2πk t) + b_k sin(2πk t) with Gaussian
    a_k, b_k, scaled so every point is a standard Gaussian sample; t and t + 1 give the same z.
    """
    rs = np.random.RandomState(int(seed) % (2**32))
    a = rs.randn(keys, z_dim)
    b = rs.randn(keys, z_dim)
    z = np.zeros(z_dim)
    for k in range(keys):
        ang = 2 * np.pi * (k + 1) * turns * float(t)
        z += a[k] * np.cos(ang) + b[k] * np.sin(ang)
    return torch.from_numpy(z / np.sqrt(keys)).float()[None]


def random_walk(seed: int, z_dim: int, frames: int, turns: int = 1, keys: int = 3) -> torch.Tensor:
    """`frames` evenly spaced points [frames, z_dim] of the looping walk (the frame after the last is frame 0)."""
    return torch.cat([walk_z(seed, z_dim, f / max(1, frames), turns, keys) for f in range(frames)])
