"""The learned upscale of one run: trained from the run's own folder (its config.json names the folder,
the shape, the fit and the background) and chosen for exports — the learned one where the run has it,
Lanczos where not or where asked for."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from studio.core.data import DataConfig, ProgressFn
from studio.core.errors import StudioError
from studio.core.images import upscale
from studio.core.formats.run import RunDir
from studio.core.upscale.network import SCALES, UpscalerNet, enlarge
from studio.core.upscale.pairs import FolderPairs, PicturesTooSmall, folder_pairs
from studio.core.formats.upscale_record import LANCZOS, LEARNED, UPSCALERS, UpscaleRecord
from studio.core.upscale.store import UpscalerHeader, load_upscaler, upscaler_path
from studio.core.upscale.train import ProgressFn as TrainProgressFn
from studio.core.upscale.train import UpscalerResult, UpscalerSettings, train_upscaler



def run_folder(run: str | Path) -> Path:
    """The run folder of a run folder or of a checkpoint inside one (RUN/checkpoints/x.safetensors)."""
    p = Path(run).expanduser()
    if p.is_dir():
        return p
    owner = RunDir.of_checkpoint(p)
    if owner is None:
        raise StudioError(f"{p.name} is not inside a run folder: the learned upscale lives in a run's folder.")
    return owner.path


def run_data(run: str | Path) -> tuple[Path, DataConfig]:
    """The folder a run trained on and how it prepared its pictures (from config.json)."""
    from studio.core.training.config import TrainConfig

    d = RunDir(run).read_config()
    try:
        cfg = TrainConfig.from_json(d)
    except (TypeError, ValueError) as e:
        raise StudioError(f"The run's config.json cannot be read: {e}.") from None
    if not cfg.data:
        raise StudioError("The run's config.json names no picture folder to learn the upscale from.")
    return Path(cfg.data), cfg.data_config()


def run_pairs(run: str | Path, scale: int, decoding: ProgressFn | None = None) -> FolderPairs:
    """The run's folder as ×scale training pairs (decoded once into the run's cache; PicturesTooSmall when
    the folder's pictures are smaller than the run's shape × scale)."""
    if scale not in SCALES:
        raise StudioError(f"The learned upscale is ×2 or ×4, not ×{scale}.")
    run = Path(run).expanduser()
    folder, config = run_data(run)
    if not folder.is_dir():
        raise StudioError(f"The run's picture folder {folder} is not there any more: the upscale learns from it.")
    return folder_pairs(folder, config, scale, RunDir(run).cache_dir, decoding)


def scales_to_train(run: str | Path, scale: int | None = None,
                    decoding: ProgressFn | None = None) -> tuple[list[FolderPairs], list[str]]:
    """The pairs of each upscale to train: `scale` alone, or (None) ×2 and ×4, leaving out ×4 with a note
    when the folder's pictures are too small for it; and the notes (sentences) to show the artist."""
    pairs: list[FolderPairs] = []
    notes: list[str] = []
    for s in [scale] if scale else list(SCALES):
        try:
            pairs.append(run_pairs(run, s, decoding))
        except PicturesTooSmall as e:
            if scale or not pairs:  # asked for, or not even ×2 is possible
                raise
            notes.append(f"×{s} left out: {e}")
    notes += [f"×{p.scale}: {p.left_out} pictures smaller than {p.high_shape.px} left out" for p in pairs if p.left_out]
    return pairs, notes


def train_run_upscaler(run: str | Path, pairs: FolderPairs, seconds: float, *, device: torch.device | str = "cpu",
                       clock: Callable[[], float] = time.perf_counter, settings: UpscalerSettings | None = None,
                       progress: TrainProgressFn | None = None,
                       cancel: Callable[[], bool] | None = None) -> UpscalerResult:
    """Train or continue RUN/upscaler/x{scale}.safetensors on the run's pairs for `seconds`."""
    return train_upscaler(pairs, upscaler_path(run_folder(run), pairs.scale), seconds, settings=settings,
                          device=device, clock=clock, progress=progress, cancel=cancel)


def learned_header(run: str | Path, scale: int) -> UpscalerHeader | None:
    """The header of the run's ×scale upscaler, None when it has none (or it cannot be read)."""
    if scale not in SCALES:
        return None
    try:
        path = upscaler_path(run_folder(run), scale)
        return load_upscaler(path).header if path.is_file() else None
    except StudioError:
        return None


@dataclass
class Upscale:
    """How an export is enlarged: Lanczos, or a run's learned network (with its file's checksum and step,
    which the PNG's recipe records)."""

    scale: int
    kind: str = LANCZOS
    net: UpscalerNet | None = None
    device: torch.device | None = None
    sha256: str | None = None
    step: int | None = None

    def __call__(self, image: np.ndarray, factor: int) -> np.ndarray:
        """uint8 (H, W, 3) -> ×factor (the signature of core.images.upscale, which core.alpha takes)."""
        if factor == 1:
            return image
        if self.net is None:
            return upscale(image, factor)
        if factor != self.scale:
            raise StudioError(f"This learned upscale is ×{self.scale}, not ×{factor}.")
        return enlarge(self.net, image[None], self.device)[0]

    @property
    def label(self) -> str:
        return "learned from your folder" if self.kind == LEARNED else "Lanczos"

    @property
    def record(self) -> UpscaleRecord:
        """What an export made with it records."""
        return UpscaleRecord(LEARNED, self.sha256, self.step) if self.kind == LEARNED else UpscaleRecord()


def choose_upscale(run: str | Path | None, scale: int, wish: str = "auto", device: torch.device | str = "cpu",
                   sha256: str | None = None) -> Upscale:
    """The upscale an export at ×scale gets: `wish` "auto" (Lanczos), "lanczos", or "learned" (a StudioError
    naming the command that trains one when the run has none). `sha256`: the file must be this one
    (regenerating), else a sentence says it changed.

    "auto" is Lanczos because that is what measured better on a generator's own pictures: the learned upscale
    beat Lanczos on the folder's pictures taken down (KID ×10³ 2.4 vs 5.2 and 3.1 vs 9.0 at 64 px) but lost on
    the run's generated ones (96 vs 75 and 128 vs 91), whose speckle it sharpens (bench/RESULTS.md, issue 25)."""
    if wish not in (*UPSCALERS, "auto"):
        raise StudioError(f"Unknown upscale '{wish}': choose lanczos or learned.")
    if scale == 1 or wish in (LANCZOS, "auto"):
        return Upscale(scale)
    path = upscaler_path(run_folder(run), scale) if run is not None and scale in SCALES else None
    if path is None or not path.is_file():
        if wish == LEARNED:
            raise StudioError(f"This run has no learned ×{scale} upscale yet: train one with "
                              f"`studio upscaler RUN --minutes 5 --scale {scale}` (or Train upscaler… in the window).")
        return Upscale(scale)
    file = load_upscaler(path)
    if sha256 is not None and file.sha256 != sha256:
        raise StudioError(f"The run's learned ×{scale} upscale has been trained further since this picture was made "
                          "(its checksum differs), so it would not give the same pixels; `studio regenerate "
                          "--ignore-checksum` enlarges it with the upscale as it is now.")
    device = torch.device(device)
    return Upscale(scale, LEARNED, file.network(device), device, file.sha256, file.header.step)
