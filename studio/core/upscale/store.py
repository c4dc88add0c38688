"""The learned upscale's file in the run folder: RUN/upscaler/x2.safetensors (and x4), the network and
its optimiser state as safetensors with a JSON header in the file's metadata, plus a JSON sidecar for
people and tools, written together atomically (core.formats.checkpoint.replace_atomic: a full disk
leaves the old pair). Loading never unpickles anything; a damaged or foreign file is a sentence."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from studio import __version__
from studio.core.errors import StudioError
from studio.core.formats.checkpoint import check_tensors, flatten_optimizer, replace_atomic, section
from studio.core.upscale.network import SCALES, UpscalerNet, UpscalerSpec

FORMAT = "gan-studio-upscaler/1"
FOLDER = "upscaler"
MAX_FILE_BYTES = 64 * 1024 * 1024  # a few hundred kB in practice


@dataclass(frozen=True)
class HeldOutScore:
    """The upscale against Lanczos on the folder's pictures it never trained on (mean over pictures)."""

    pictures: int
    l1_learned: float  # mean absolute error, 0..255 units
    l1_lanczos: float
    psnr_learned: float  # dB
    psnr_lanczos: float

    def to_json(self) -> dict:
        return {"pictures": self.pictures, "l1_learned": self.l1_learned, "l1_lanczos": self.l1_lanczos,
                "psnr_learned": self.psnr_learned, "psnr_lanczos": self.psnr_lanczos}

    @classmethod
    def from_json(cls, d) -> HeldOutScore | None:
        try:
            return cls(int(d["pictures"]), *(float(d[k]) for k in ("l1_learned", "l1_lanczos", "psnr_learned",
                                                                      "psnr_lanczos")))
        except (KeyError, TypeError, ValueError):
            return None

    def describe(self) -> str:
        return (f"on {self.pictures} held-out picture{'s' if self.pictures != 1 else ''}: L1 {self.l1_learned:.2f} "
                f"(Lanczos {self.l1_lanczos:.2f}), PSNR {self.psnr_learned:.2f} dB (Lanczos {self.psnr_lanczos:.2f})")


@dataclass(frozen=True)
class UpscalerHeader:
    """What an upscaler file says about itself."""

    spec: UpscalerSpec
    step: int = 0
    seconds: float = 0.0  # training time so far, all sessions together
    shape: tuple[int, int] = (0, 0)  # the run's picture (width, height): the network's input
    score: HeldOutScore | None = None
    optimizer_groups: list = field(default_factory=list)
    studio_version: str = __version__

    def to_json(self) -> dict:
        return {"format": FORMAT, "spec": self.spec.to_json(), "step": self.step, "seconds": round(self.seconds, 2),
                "shape": list(self.shape), "score": self.score.to_json() if self.score else None,
                "optimizer_groups": self.optimizer_groups, "studio_version": self.studio_version}

    @classmethod
    def from_json(cls, name: str, d) -> UpscalerHeader:
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise StudioError(f"{name} is not a GAN Studio upscaler (or one from an unknown version).")
        try:
            spec = UpscalerSpec.from_json(d["spec"])
            step, seconds = int(d["step"]), float(d["seconds"])
            w, h = (int(v) for v in d["shape"])
            groups = d.get("optimizer_groups") or []
            if not isinstance(groups, list):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            raise StudioError(f"{name} has a damaged header.") from None
        score = HeldOutScore.from_json(d["score"]) if d.get("score") else None
        return cls(spec, step, seconds, (w, h), score, groups, str(d.get("studio_version", "")))


def upscaler_path(run: str | Path, scale: int) -> Path:
    """RUN/upscaler/x2.safetensors (or x4)."""
    if scale not in SCALES:
        raise StudioError(f"The learned upscale is ×2 or ×4, not ×{scale}.")
    return Path(run).expanduser() / FOLDER / f"x{scale}.safetensors"


def save_upscaler(path: Path, net: UpscalerNet, optimizer: torch.optim.Optimizer | None,
                  header: UpscalerHeader) -> str:
    """Write the network (and optimiser) with its header, atomically with the sidecar; the file's SHA-256."""
    tensors = {f"net.{k}": v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
    groups: list = []
    if optimizer is not None:
        opt, groups = flatten_optimizer(optimizer, "opt")
        tensors.update({k: v.detach().to("cpu").contiguous() for k, v in opt.items()})
    meta = header.to_json()
    meta["optimizer_groups"] = groups
    data = st_save(tensors, metadata={"studio": json.dumps(meta)})
    sha = hashlib.sha256(data).hexdigest()
    sidecar = {k: meta[k] for k in ("format", "spec", "step", "seconds", "shape", "score")}
    sidecar.update(sha256=sha, bytes=len(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomic([(path, data), (path.with_suffix(".json"), json.dumps(sidecar, indent=1).encode())])
    return sha


@dataclass
class UpscalerFile:
    """A loaded upscaler file: its header, tensors by section and checksum."""

    path: Path
    header: UpscalerHeader
    tensors: dict[str, torch.Tensor]
    sha256: str

    def section(self, prefix: str) -> dict[str, torch.Tensor]:
        return section(self.tensors, prefix)

    def network(self, device: torch.device | str = "cpu") -> UpscalerNet:
        """The network, checked tensor by tensor against the one its header describes."""
        net = UpscalerNet(self.header.spec)
        weights = self.section("net")
        check_tensors(self.path, "network", weights, net.state_dict())
        net.load_state_dict(weights)
        return net.to(device).eval()


def load_upscaler(path: str | Path) -> UpscalerFile:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise StudioError(f"{path.name} is too large to be an upscaler ({size // 2**20} MB).")
        data = path.read_bytes()
    except FileNotFoundError:
        raise StudioError(f"{path} does not exist.") from None
    except OSError as e:
        raise StudioError(f"Cannot read {path}: {e.strerror or e}.") from None
    try:
        tensors = st_load(data)
        header = json.loads(_metadata(data)["studio"])
    except (SafetensorError, ValueError, KeyError, TypeError, RecursionError) as e:
        raise StudioError(f"{path.name} is damaged or not a GAN Studio upscaler ({e}).") from None
    return UpscalerFile(path, UpscalerHeader.from_json(path.name, header), tensors, hashlib.sha256(data).hexdigest())


def _metadata(data: bytes) -> dict:
    """The safetensors header's metadata of these very bytes (not re-read from disk, so that the checksum,
    the tensors and the header are of one file even if it is replaced meanwhile)."""
    n = int.from_bytes(data[:8], "little")
    if not 0 < n <= min(len(data) - 8, 1 << 24):
        raise ValueError("no safetensors header")
    return json.loads(data[8:8 + n]).get("__metadata__") or {}
