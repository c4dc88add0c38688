"""Checkpoints as safetensors (tensors) with their JSON state in the file's metadata, plus a JSON
sidecar for people and tools. Written atomically; loading never unpickles anything."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from studio.core.errors import StudioError
from studio.core.formats.checkpoint_state import CheckpointState

FORMAT = "gan-studio-checkpoint/1"
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin")


def section(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The tensors named `prefix.NAME`, as NAME (a file's network, its optimiser, ... by their prefix)."""
    p = prefix + "."
    return {k[len(p):]: v for k, v in tensors.items() if k.startswith(p)}


@dataclass
class Checkpoint:
    """A loaded checkpoint: named tensors and the JSON state (model, config, step, optimiser groups...)."""

    path: Path
    tensors: dict[str, torch.Tensor]
    state: CheckpointState

    def section(self, prefix: str) -> dict[str, torch.Tensor]:
        return section(self.tensors, prefix)

    @property
    def step(self) -> int:
        return self.state.step


def _temporary(path: Path) -> Path:
    # RunDir.remove_stale_temporaries recognises this name (a leading dot and ".tmp").
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _write_temporary(path: Path, data: bytes | Path) -> Path:
    """The complete new content of `path` in its temporary, on the disk (fsync): bytes, or a finished
    file hard-linked (free, and safe: files here are never modified in place, only replaced) or copied."""
    tmp = _temporary(path)
    tmp.unlink(missing_ok=True)
    try:
        if isinstance(data, Path):
            try:
                os.link(data, tmp)
                return tmp
            except FileNotFoundError:
                raise
            except OSError:  # no hard links here (or another device): copy; its own errors are the real ones
                with open(data, "rb") as f_in, open(tmp, "wb") as f_out:
                    shutil.copyfileobj(f_in, f_out, 1 << 20)
                    f_out.flush()
                    os.fsync(f_out.fileno())
                return tmp
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the rename itself is still atomic


def replace_atomic(files: list[tuple[Path, bytes | Path]]) -> None:
    """Replace each path by its new content so that a failure loses nothing.

    Every new file is written completely to its temporary before any name changes: a full disk or an
    unwritable folder (which fail while writing) leaves all the old files as they were. Then the
    temporaries are renamed in order, which needs no space. A kill between two renames leaves the first
    file new and the next old: a checkpoint's readers compare its step with its sidecar's for that reason."""
    temporaries: list[Path] = []
    try:
        for path, data in files:
            temporaries.append(_write_temporary(Path(path), data))
        for (path, _), tmp in zip(files, temporaries, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        raise
    for folder in {Path(p).parent for p, _ in files}:
        _fsync_dir(folder)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that `path` is either the old file or the complete new one, never a torn one."""
    replace_atomic([(Path(path), data)])


def flatten_optimizer(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict[str, torch.Tensor], list]:
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if not torch.is_tensor(v):
                v = torch.tensor(v)
            tensors[f"{prefix}.{pid}.{k}"] = v
    return tensors, sd["param_groups"]


def unflatten_optimizer(tensors: dict[str, torch.Tensor], groups: list) -> dict:
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        pid, k = key.split(".", 1)
        state.setdefault(int(pid), {})[k] = v
    return {"state": state, "param_groups": groups}


def save_checkpoint(path: Path, tensors: dict[str, torch.Tensor], state: CheckpointState,
                    sidecar_extra: dict | None = None) -> Path:
    clean = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    meta = dict(state.to_json(), format=FORMAT)
    data = st_save(clean, metadata={"studio": json.dumps(meta)})
    sidecar = {k: meta[k] for k in ("format", "step", "kimg", "model", "resolution", "canvas") if k in meta}
    sidecar["sha256"] = hashlib.sha256(data).hexdigest()
    sidecar["bytes"] = len(data)
    sidecar.update(sidecar_extra or {})
    # Both written before either is renamed: a full disk leaves the old pair (e.g. best.safetensors and
    # best.json) as it was, not a new checkpoint beside the old one's sidecar.
    replace_atomic([(path, data), (path.with_suffix(".json"), json.dumps(sidecar, indent=1).encode())])
    return path


def check_tensors(path: Path, what: str, given: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    """Refuse a section whose names, shapes or dtypes differ from the model's (load_state_dict would
    silently cast dtypes, and a half-matching file would give a broken model)."""
    name = Path(path).name
    missing = sorted(set(expected) - set(given))
    extra = sorted(set(given) - set(expected))
    if missing or extra:
        detail = (f"missing {', '.join(missing[:3])}" if missing else "") + ("; " if missing and extra else "") + (
            f"unexpected {', '.join(extra[:3])}" if extra else "")
        raise StudioError(f"{name} does not match its model ({what}: {detail}).")
    for k, ref in expected.items():
        t = given[k]
        if tuple(t.shape) != tuple(ref.shape):
            raise StudioError(f"{name} does not match its model ({what}.{k} has shape {list(t.shape)}, "
                              f"expected {list(ref.shape)}).")
        if t.dtype != ref.dtype:
            raise StudioError(f"{name} does not match its model ({what}.{k} is {str(t.dtype).replace('torch.', '')}, "
                              f"expected {str(ref.dtype).replace('torch.', '')}).")
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise StudioError(f"{name} is damaged: {what}.{k} holds infinite or undefined numbers.")


def read_state(path: Path) -> CheckpointState:
    """Only the JSON state of a checkpoint (cheap: no tensors are read)."""
    _refuse_pickles(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise StudioError(f"{path.name} is not a readable GAN Studio checkpoint ({e}).") from None
    return _parse_meta(path, meta)


def _parse_meta(path: Path, meta: dict) -> CheckpointState:
    try:
        state = json.loads(meta["studio"])
    except (KeyError, json.JSONDecodeError, TypeError, RecursionError):
        raise StudioError(f"{path.name} is a safetensors file but not a GAN Studio checkpoint.") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise StudioError(f"{path.name} was written by an unknown version of GAN Studio.")
    return CheckpointState.from_json(state, path)


def _refuse_pickles(path: Path) -> None:
    if Path(path).suffix.lower() in PICKLE_SUFFIXES:
        raise StudioError(
            f"{Path(path).name} is a pickled PyTorch file. Such files can run arbitrary code when opened, "
            "so GAN Studio only opens .safetensors checkpoints."
        )


def load_checkpoint(path: Path) -> Checkpoint:
    path = Path(path)
    _refuse_pickles(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise StudioError(f"Cannot read {path}: {e.strerror or e}.") from None
    try:
        tensors = st_load(data)
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise StudioError(f"{path.name} is damaged or not a checkpoint ({e}).") from None
    return Checkpoint(path, tensors, _parse_meta(path, meta))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
