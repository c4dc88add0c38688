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
