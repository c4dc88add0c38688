"""The run directory: one folder per training run, shared by the GUI, the headless CLI and follow mode.

    RUN/config.json          TrainConfig (resolved)
    RUN/dataset.json         the import report (skipped files and reasons)
    RUN/metrics.jsonl        one JSON row per log interval (metrics_rows.LossRow) or quality evaluation (metrics_rows.Quality)
    RUN/checkpoints/step-00001234.safetensors (+ .json sidecar)   the last K (TrainConfig.keep_checkpoints)
    RUN/checkpoints/best.safetensors (+ best.json: step, score, why)  never pruned
    RUN/snapshots/step-00001234.png   fixed-seed sample grids: the timelapse
    RUN/cache/               decoded image cache
    RUN/.lock                held by the one trainer writing the run
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import write_atomic
from studio.core.formats.metrics_rows import LossRow, Quality, read_row

_STEP = re.compile(r"^step-(\d+)\.(safetensors|png)$")


class RunDir:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()

    config_path = property(lambda self: self.path / "config.json")
    dataset_path = property(lambda self: self.path / "dataset.json")
    metrics_path = property(lambda self: self.path / "metrics.jsonl")
    checkpoints_dir = property(lambda self: self.path / "checkpoints")
    snapshots_dir = property(lambda self: self.path / "snapshots")
    cache_dir = property(lambda self: self.path / "cache")
    lock_path = property(lambda self: self.path / ".lock")
    best_path = property(lambda self: self.checkpoints_dir / "best.safetensors")

    def exists(self) -> bool:
        return self.config_path.exists()

    def create(self) -> None:
        try:
            for d in (self.path, self.checkpoints_dir, self.snapshots_dir):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StudioError(f"Cannot create the run folder {self.path}: {e.strerror or e}.") from None

    def write_json(self, path: Path, obj) -> None:
        write_atomic(path, json.dumps(obj, indent=1).encode())

    def read_config(self) -> dict:
        try:
            return json.loads(self.config_path.read_text())
        except FileNotFoundError:
            raise StudioError(f"{self.path} is not a GAN Studio run folder (it has no config.json).") from None
        except (OSError, json.JSONDecodeError) as e:
            raise StudioError(f"The run's config.json cannot be read: {e}.") from None

    def trained_on_transparent(self) -> bool:
        """Whether the training folder had pictures with see-through pixels (dataset.json's count; False when
        the report is missing or from before the count was kept)."""
        try:
            count = json.loads(self.dataset_path.read_text()).get("transparent", 0)
        except (OSError, ValueError, AttributeError):
            return False
        return isinstance(count, int) and count > 0

    @classmethod
    def of_checkpoint(cls, checkpoint: str | os.PathLike) -> RunDir | None:
        """The run a checkpoint file lies in (RUN/checkpoints/x.safetensors), None for a loose file."""
        p = Path(checkpoint).expanduser()
        return cls(p.parent.parent) if p.parent.name == "checkpoints" else None

    def checkpoint_path(self, step: int) -> Path:
        return self.checkpoints_dir / f"step-{step:08d}.safetensors"

    def snapshot_path(self, step: int) -> Path:
        return self.snapshots_dir / f"step-{step:08d}.png"

    def _stepped(self, folder: Path, suffix: str) -> list[tuple[int, Path]]:
        if not folder.is_dir():
            return []
        out = []
        for p in folder.iterdir():
            m = _STEP.match(p.name)
            if m and m.group(2) == suffix:
                out.append((int(m.group(1)), p))
        return sorted(out)

    def checkpoints(self) -> list[tuple[int, Path]]:
        return self._stepped(self.checkpoints_dir, "safetensors")

    def snapshots(self) -> list[tuple[int, Path]]:
        return self._stepped(self.snapshots_dir, "png")

    def latest_checkpoint(self) -> Path | None:
        cps = self.checkpoints()
        return cps[-1][1] if cps else None

    def best_checkpoint(self) -> Path | None:
        """The kept best checkpoint (by a quality score, or the last one before trouble), if any."""
        return self.best_path if self.best_path.is_file() else None

    def read_best(self) -> dict | None:
        """best.json: {"step", "score", "metric", "reason"...}; None if absent or unreadable.

        best.json is written after best.safetensors; a kill in between leaves the previous json, so the
        caller compares its "step" with the checkpoint's own step before trusting the score."""
        try:
            info = json.loads(self.best_path.with_suffix(".json").read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return info if isinstance(info, dict) else None

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete the temporary files of writes that a killed process never finished.

        Only called by the lock holder: no other process writes this run, so every temporary is stale."""
        removed = []
        for folder in (self.path, self.checkpoints_dir, self.snapshots_dir):
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                if p.name.startswith(".") and ".tmp" in p.name and p.is_file():
                    try:
                        p.unlink()
                        removed.append(p)
                    except OSError:
                        pass
        return removed

    def append_metrics(self, record: LossRow | Quality) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record.to_row()) + "\n")

    def read_metrics(self, offset: int = 0) -> tuple[list[LossRow | Quality], int]:
        """Records appended since byte `offset` (only whole lines), and the new offset: for follow mode."""
        try:
            with open(self.metrics_path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b"\n") + 1
        records = []
        for line in data[:end].splitlines():
            try:
                record = read_row(json.loads(line))
            except (json.JSONDecodeError, ValueError, OverflowError):
                continue  # a line torn by a kill is skipped, not fatal
            if record is not None:
                records.append(record)
        return records, offset + end

    # --- one writer at a time ---------------------------------------------------------------
    def acquire_lock(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname()}
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._lock_holder()
                if holder is not None and _alive(holder):
                    raise StudioError(
                        f"Another training process (pid {holder['pid']} on {holder['host']}) is writing {self.path}. "
                        "Stop it first, or choose another output folder."
                    ) from None
                try:  # stale: its process is gone
                    self.lock_path.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            self.remove_stale_temporaries()
            return
        raise StudioError(f"Could not lock {self.path} for writing.")

    def release_lock(self) -> None:
        holder = self._lock_holder()
        if holder is not None and holder.get("pid") == os.getpid():
            try:
                self.lock_path.unlink()
            except FileNotFoundError:
                pass

    def _lock_holder(self) -> dict | None:
        try:
            return json.loads(self.lock_path.read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def is_being_written(self) -> bool:
        holder = self._lock_holder()
        return holder is not None and _alive(holder)


def checkpoint_for(path: str | Path) -> Path:
    """A run folder -> its latest checkpoint; a checkpoint file -> itself."""
    p = Path(path).expanduser()
    if p.is_dir():
        latest = RunDir(p).latest_checkpoint()
        if latest is None:
            raise StudioError(f"{p} has no checkpoint yet.")
        return latest
    if not p.exists():
        raise StudioError(f"{p} does not exist.")
    return p


def _alive(holder: dict) -> bool:
    if holder.get("host") != socket.gethostname():
        return True  # cannot check another machine's processes: assume it is alive
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
