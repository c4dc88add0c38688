"""Training the learned upscale: random crops of the folder's picture pairs, mirrored, L1 against the
high-res picture, Adam; for a budget of seconds (any clock: the bench counts CPU time), resuming the
network and its optimiser from the run's file, cancellable between steps. Scored at the end on the
held-out pictures against Lanczos, and saved (also when cancelled: what was learned is kept)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import unflatten_optimizer
from studio.core.upscale.network import UpscalerNet, UpscalerSpec, combine, enlarge, to_tensor
from studio.core.upscale.pairs import FolderPairs, PicturePairs
from studio.core.upscale.store import HeldOutScore, UpscalerHeader, load_upscaler, save_upscaler


@dataclass(frozen=True)
class UpscalerSettings:
    width: int = 32
    blocks: int = 4
    batch: int = 16
    patch: int = 24  # low-res crop side (the whole picture when it is smaller)
    lr: float = 5e-4


@dataclass(frozen=True)
class UpscalerProgress:
    scale: int
    step: int  # all sessions together
    seconds: float  # this session
    budget: float  # this session's seconds
    l1: float  # recent training L1, 0..255 units


@dataclass(frozen=True)
class UpscalerResult:
    scale: int
    path: Path
    step: int  # all sessions together
    seconds: float  # all sessions together
    session_seconds: float
    score: HeldOutScore
    resumed: bool
    cancelled: bool
    sha256: str


ProgressFn = Callable[[UpscalerProgress], None]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def held_out_score(net: UpscalerNet, held: PicturePairs, device: torch.device | str = "cpu") -> HeldOutScore:
    """L1 and PSNR of the learned upscale and of Lanczos against the real high-res pictures, as exported
    (uint8, rounded): the mean over the held-out pictures."""
    learned = enlarge(net, held.low, device)
    high = held.high.astype(np.float64)
    return HeldOutScore(
        pictures=len(held),
        l1_learned=float(np.abs(learned - high).mean()),
        l1_lanczos=float(np.abs(held.lanczos - high).mean()),
        psnr_learned=float(np.mean([_psnr(a, b) for a, b in zip(learned, held.high, strict=True)])),
        psnr_lanczos=float(np.mean([_psnr(a, b) for a, b in zip(held.lanczos, held.high, strict=True)])))


class _Crops:
    """Random aligned crops of the training pairs, mirrored left-right and up-down at random (cut from the
    uint8 arrays as they are: only a batch at a time becomes float tensors on the device)."""

    def __init__(self, pairs: PicturePairs, scale: int, patch: int, device: torch.device, seed: int) -> None:
        self.pairs, self.scale, self.device = pairs, scale, device
        h, w = pairs.low.shape[1:3]
        self.ph, self.pw = min(patch, h), min(patch, w)
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s, (ph, pw), p = self.scale, (self.ph, self.pw), self.pairs
        h, w = p.low.shape[1:3]
        idx = self.rng.integers(0, len(p), n)
        ys, xs = self.rng.integers(0, h - ph + 1, n), self.rng.integers(0, w - pw + 1, n)
        flips = self.rng.integers(0, 2, (n, 2))
        parts: list[list[np.ndarray]] = [[], [], []]
        for i, y, x, (fx, fy) in zip(idx, ys, xs, flips, strict=True):
            hi = (slice(s * y, s * (y + ph)), slice(s * x, s * (x + pw)))
            for out, crop in zip(parts, (p.low[i, y:y + ph, x:x + pw], p.lanczos[i][hi], p.high[i][hi]), strict=True):
                out.append(crop[:, ::-1] if fx else crop)
                if fy:
                    out[-1] = out[-1][::-1]
        return tuple(to_tensor(np.stack(a), self.device) for a in parts)  # type: ignore[return-value]


def train_upscaler(pairs: FolderPairs, path: Path, seconds: float, *, settings: UpscalerSettings | None = None,
                   device: torch.device | str = "cpu", clock: Callable[[], float] = time.perf_counter,
                   progress: ProgressFn | None = None, cancel: Callable[[], bool] | None = None) -> UpscalerResult:
    """Train (or continue) the upscaler at `path` on `pairs` for `seconds` of `clock`, then score and save it."""
    settings = settings or UpscalerSettings()
    device = torch.device(device)
    scale = pairs.scale
    shape = (pairs.shape.width, pairs.shape.height)
    path = Path(path)
    resumed = path.exists()
    if resumed:
        file = load_upscaler(path)
        header = file.header
        if header.spec.scale != scale or header.shape != shape:
            made = f"{header.shape[0]}×{header.shape[1]}"
            raise StudioError(f"{path.name} is a ×{header.spec.scale} upscaler for {made} pictures; this run makes "
                              f"{shape[0]}×{shape[1]} pictures. Move it away to train a new one.")
        net = file.network(device).train()
    else:
        file = None
        header = UpscalerHeader(UpscalerSpec(scale, settings.width, settings.blocks), shape=shape)
        net = UpscalerNet(header.spec).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=settings.lr, betas=(0.9, 0.99))
    if file is not None and header.optimizer_groups:
        try:
            opt.load_state_dict(unflatten_optimizer(file.section("opt"), header.optimizer_groups))
        except (ValueError, KeyError, RuntimeError):
            pass  # a damaged optimiser state only costs the moments Adam needs to warm up again
    crops = _Crops(pairs.train, scale, settings.patch, device, seed=header.step)
    step, recent, last_report = header.step, [], -1.0
    start = clock()
    cancelled = False
    net.train()
    while True:
        elapsed = clock() - start
        if step > header.step and elapsed >= seconds:
            break
        if cancel is not None and cancel():
            cancelled = True
            break
        low, base, high = crops.batch(settings.batch)
        loss = F.l1_loss(combine(base, net(low)), high / 255.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        recent.append(loss.item() * 255.0)
        del recent[:-50]
        if progress is not None and (elapsed - last_report >= 1.0 or last_report < 0):
            last_report = elapsed
            progress(UpscalerProgress(scale, step, elapsed, seconds, sum(recent) / len(recent)))
    session = clock() - start
    net.eval()
    score = held_out_score(net, pairs.held_out, device)
    done = UpscalerHeader(header.spec, step, header.seconds + session, shape, score)
    sha = save_upscaler(path, net, opt, done)
    return UpscalerResult(scale, path, step, done.seconds, session, score, resumed, cancelled, sha)
