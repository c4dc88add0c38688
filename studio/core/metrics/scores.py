"""The maths of the metrics on feature arrays (N, D): FID, KID, precision/recall, density/coverage.

- FID (Heusel et al. 2017): Fréchet distance between Gaussians fitted to the two feature sets.
- KID (Bińkowski et al. 2018): unbiased MMD² with the cubic polynomial kernel, averaged over subsets
  (as StyleGAN2-ADA computes it); unbiased, so it is meaningful with a few hundred samples where FID is not.
- Precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020) from k-nearest-
  neighbour balls: precision/density say "are the fakes on the real manifold" (sharpness), recall/coverage
  say "do the fakes cover the real images" (diversity).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch


@dataclass
class QualityScores:
    """One evaluation. KID and FID: lower is better; the other four: higher is better, 1 is ideal."""

    kid: float
    kid_std: float
    fid: float
    precision: float
    recall: float
    density: float
    coverage: float
    real_count: int
    fake_count: int

    def to_json(self) -> dict:
        return asdict(self)


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(features, np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((m + m.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||² + tr(S1 + S2 - 2 (S1 S2)^½).

    tr((S1 S2)^½) is computed as the sum of square roots of the eigenvalues of S1^½ S2 S1^½ (symmetric
    positive semi-definite, so exact in eigh and free of the complex parts `sqrtm` produces)."""
    s1_half = _sqrt_psd(sigma1)
    inner = s1_half @ sigma2 @ s1_half
    vals = np.linalg.eigvalsh((inner + inner.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(vals, 0, None)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean)


def fid(real: np.ndarray, fake: np.ndarray) -> float:
    """FID of two feature sets. With fewer samples than dimensions (the usual case on a CPU), the
    covariances are low-rank and tr((S1 S2)^½) is the sum of the singular values of B Aᵀ / √((n1-1)(n2-1))
    (A, B the centred features): the same number as the eigen route, from a far smaller matrix."""
    n1, n2, d = len(real), len(fake), real.shape[1]
    if n1 * n2 * min(n1, n2) > 2 * d**3:
        return frechet_distance(*gaussian_stats(real), *gaussian_stats(fake))
    a = np.asarray(real, np.float64)
    b = np.asarray(fake, np.float64)
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    a, b = a - mu1, b - mu2
    tr1 = float((a * a).sum() / (n1 - 1))
    tr2 = float((b * b).sum() / (n2 - 1))
    m = b @ a.T
    small = m @ m.T if n2 <= n1 else m.T @ m  # singular values of m = square roots of its Gram's eigenvalues
    singular = np.sqrt(np.clip(np.linalg.eigvalsh((small + small.T) / 2), 0, None))
    tr_covmean = float(singular.sum() / np.sqrt((n1 - 1) * (n2 - 1)))
    diff = mu1 - mu2
    return float(diff @ diff + tr1 + tr2 - 2 * tr_covmean)


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """(mean, std over subsets) of the unbiased MMD² with k(x, y) = (x·y / d + 1)³.

    The kernel matrices are computed once, on pools of at most 3 × subset_size samples of each set drawn
    at random, and the subsets index into them: 100 subsets cost a few matrix products, not 300."""
    n = min(len(real), len(fake), subset_size)
    if n < 2:
        raise ValueError("KID needs at least two samples in each set")
    d = real.shape[1]
    rng = np.random.RandomState(seed)

    def pool(f: np.ndarray) -> np.ndarray:
        idx = rng.choice(len(f), min(len(f), 3 * subset_size), replace=False)
        return np.asarray(f[idx], np.float64)

    x, y = pool(fake), pool(real)
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    values = np.empty(subsets)
    for i in range(subsets):
        a = rng.choice(len(x), n, replace=False)
        b = rng.choice(len(y), n, replace=False)
        sxx, syy = kxx[np.ix_(a, a)], kyy[np.ix_(b, b)]
        # Unbiased: the diagonals (a sample with itself) are left out of the within-set means.
        values[i] = ((sxx.sum() - np.trace(sxx)) + (syy.sum() - np.trace(syy))) / (n * (n - 1)) \
            - 2 * kxy[np.ix_(a, b)].mean()
    return float(values.mean()), float(values.std())


def _distances(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Euclidean distances (len(a), len(b)) in float32, in chunks (bounded memory)."""
    ta, tb = torch.from_numpy(np.asarray(a, np.float32)), torch.from_numpy(np.asarray(b, np.float32))
    out = torch.empty(len(ta), len(tb))
    for s in range(0, len(ta), chunk):
        out[s:s + chunk] = torch.cdist(ta[s:s + chunk], tb)
    return out.numpy()


def _kth_neighbour_radii(features: np.ndarray, k: int) -> np.ndarray:
    d = _distances(features, features)
    # Column 0 of the sorted row is the point itself (distance 0); the k-th neighbour is column k.
    return np.partition(d, k, axis=1)[:, k]


def manifold_scores(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage with k-NN balls (k = 5, as Naeem et al. recommend)."""
    if len(real) <= k or len(fake) <= k:
        raise ValueError(f"precision/recall need more than k={k} samples in each set")
    real_r = _kth_neighbour_radii(real, k)
    fake_r = _kth_neighbour_radii(fake, k)
    d = _distances(real, fake)  # (real, fake)
    inside_real = d <= real_r[:, None]  # fake j inside real i's ball
    precision = float(inside_real.any(axis=0).mean())
    recall = float((d <= fake_r[None, :]).any(axis=1).mean())
    density = float(inside_real.sum() / (k * len(fake)))
    coverage = float((d.min(axis=1) <= real_r).mean())
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


def score(real: np.ndarray, fake: np.ndarray, kid_subsets: int = 100, k: int = 5) -> QualityScores:
    """Every metric of `fake` features against `real` features."""
    kid_mean, kid_std = kid(real, fake, subsets=kid_subsets)
    m = manifold_scores(real, fake, k)
    return QualityScores(kid_mean, kid_std, fid(real, fake), m["precision"], m["recall"], m["density"],
                         m["coverage"], len(real), len(fake))
