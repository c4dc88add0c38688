"""Memorisation check: the training images nearest to a generated one, in a perceptual-ish feature space."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.explore.features import FeatureSpace, load_discriminator


@dataclass
class Match:
    index: int  # position in the training set (sorted file order)
    distance: float  # cosine distance in the feature space: 0 is identical
    image: np.ndarray  # uint8 (H, W, 3)
    name: str = ""  # its file, relative to the training folder ("" when not known)


def training_images(checkpoint: str | Path) -> np.ndarray:
    """The decoded training images [N, H, W, 3] of the run a checkpoint belongs to (from its cache)."""
    return training_folder(checkpoint).images


def training_folder(checkpoint: str | Path):
    """The ImageFolder of the run a checkpoint belongs to: its decoded images and their file names."""
    from studio.core.data import ImageFolder
    from studio.core.formats.checkpoint import read_state
    from studio.core.formats.run import RunDir
    from studio.core.training.config import TrainConfig

    checkpoint = Path(checkpoint)
    state = read_state(checkpoint)
    try:
        cfg = TrainConfig.from_json(state.config)
    except (KeyError, TypeError) as e:
        raise StudioError(f"{checkpoint.name} does not say which images it was trained on ({e}).") from None
    run = RunDir(checkpoint.parent.parent) if checkpoint.parent.name == "checkpoints" else None
    if not Path(cfg.data).expanduser().is_dir():
        raise StudioError(f"The training images ({cfg.data}) are no longer there, so the nearest ones "
                          "cannot be shown.")
    return ImageFolder(cfg.data, cfg.data_config(), cache_dir=run.cache_dir if run is not None else None)


class NearestImages:
    """An index of training images in a feature space (the run's discriminator, falling back to pixels)."""

    def __init__(self, images: np.ndarray, features: FeatureSpace, index: torch.Tensor | None = None,
                 names: list[str] | None = None) -> None:
        if images.ndim != 4 or images.shape[0] == 0:
            raise StudioError("There are no training images to compare with.")
        self.images, self.features = images, features
        self.names = names if names is not None and len(names) == images.shape[0] else []
        self.index = index if index is not None else features(images)

    @classmethod
    def for_checkpoint(cls, checkpoint: str | Path, kind: str = "auto", device: torch.device | str = "cpu",
                       images: np.ndarray | None = None, cache_dir: str | Path | None = None) -> NearestImages:
        """The index for a checkpoint's training images; with `cache_dir`, computed once and kept on disk
        (keyed by the checkpoint's SHA-256 and a fingerprint of the images)."""
        D = load_discriminator(checkpoint, device) if kind != "pixels" else None
        names = None
        if images is None:
            folder = training_folder(checkpoint)
            images, names = folder.images, folder.names
        imgs = images
        features = FeatureSpace(D, kind, device)
        path = None
        if cache_dir is not None:
            from studio.core.formats.checkpoint import file_sha256

            h = hashlib.sha256(np.ascontiguousarray(imgs).data).hexdigest()[:16]
            path = Path(cache_dir) / f"{file_sha256(Path(checkpoint))}-nearest-{features.kind}-{h}.npy"
            if path.exists():
                try:
                    index = torch.from_numpy(np.load(path, allow_pickle=False))
                    if index.shape[0] == imgs.shape[0]:
                        return cls(imgs, features, index, names)
                except (OSError, ValueError):
                    pass  # a damaged cache file: recomputed below
        out = cls(imgs, features, names=names)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.stem}.{os.getpid()}.npy")
                np.save(tmp, out.index.cpu().numpy())
                os.replace(tmp, path)
            except OSError:
                pass  # no cache: the index is rebuilt next time
        return out

    @property
    def kind(self) -> str:
        return self.features.kind

    def nearest(self, image: np.ndarray, k: int = 8) -> list[Match]:
        """The k training images nearest to `image` (uint8 HWC at the training resolution), nearest first."""
        if image.shape[:2] != self.images.shape[1:3]:
            from PIL import Image

            image = np.asarray(Image.fromarray(image).resize(self.images.shape[1:3][::-1], Image.LANCZOS))
        q = self.features(image[None])
        dist = 1 - (self.index @ q[0])
        k = min(k, len(dist))
        order = torch.argsort(dist, stable=True)[:k].tolist()
        return [Match(i, float(dist[i]), self.images[i], self.names[i] if self.names else "") for i in order]
