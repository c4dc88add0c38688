"""What a run keeps on disk: checkpoints (pruned to the last `keep_checkpoints`), snapshot grids, and the
best checkpoint (by a quality score, or the last one written before a warning), all written atomically.
A full or unwritable disk becomes a warning event; training goes on."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from studio.core.errors import StudioError
from studio.core.formats.checkpoint import read_state, replace_atomic, save_checkpoint
from studio.core.formats.run import RunDir
from studio.core.training.config import TrainConfig
from studio.core.training.events import Event, Message, Saved
from studio.core.training.serialise import checkpoint_contents
from studio.core.training.state import Networks, TrainState


def step_of(path: Path) -> int:
    """step-00001234.safetensors -> 1234."""
    return int(Path(path).stem.split("-", 1)[1])


class Keeper:
    def __init__(self, run: RunDir, cfg: TrainConfig, nets: Networks, state: TrainState, class_names: list[str],
                 growing: bool, is_main: bool, on_checkpoint: Callable[[], None] | None = None) -> None:
        self.run, self.cfg, self.nets, self.state = run, cfg, nets, state
        self.class_names, self.growing, self.is_main = class_names, growing, is_main
        self.on_checkpoint = on_checkpoint  # called after each checkpoint written by `try_save`
        self.best: dict | None = None  # best.json of the kept best checkpoint
        self.pending: list[Event] = []  # produced outside the loop (report_quality), yielded by it
        self._lock = threading.RLock()  # one checkpoint write at a time (report_quality may come from a helper)

    # ------------------------------------------------------------------ checkpoints and snapshots
    def save_checkpoint(self, path: Path | None = None, sidecar_extra: dict | None = None) -> Path:
        """The full training state at `path` (default: the step's file, then the oldest beyond the last
        `keep_checkpoints` are pruned; best.safetensors is not a step file and is never pruned)."""
        tensors, header = checkpoint_contents(self.nets, self.state, self.cfg, self.class_names, self.growing)
        with self._lock:
            if path is not None:
                return save_checkpoint(path, tensors, header, sidecar_extra)
            path = save_checkpoint(self.run.checkpoint_path(self.state.step), tensors, header)
            for _, old in self.run.checkpoints()[: -self.cfg.keep_checkpoints]:
                for p in (old, old.with_suffix(".json")):
                    p.unlink(missing_ok=True)
        return path

    def save_snapshot(self, image: np.ndarray) -> Path:
        path = self.run.snapshot_path(self.state.step)
        tmp = path.with_name(f".{path.name}.tmp")
        Image.fromarray(image).save(tmp, format="PNG")
        tmp.replace(path)
        return path

    def try_save(self, kind: str, image: np.ndarray | None = None) -> Event:
        """Save a checkpoint, or a snapshot of `image`; a full or unwritable disk is reported, and training
        goes on."""
        if kind == "checkpoint" and not self.nets.weights_finite():
            # Never put a NaN state on disk as the latest: the next loss read-back rolls back instead.
            return Message("warning", f"Not saving a checkpoint at step {self.state.step}: the weights hold "
                                      "NaN/Inf values. The last good checkpoint is kept.")
        try:
            path = self.save_checkpoint() if kind == "checkpoint" else self.save_snapshot(image)
        except OSError as e:
            return Message("warning", f"Could not save the {kind} in {self.run.path}: {e.strerror or e}. "
                                      "Older files are intact; free some space or fix the folder's permissions.")
        if kind == "checkpoint" and self.on_checkpoint is not None:
            self.on_checkpoint()
        return Saved(kind, self.state.step, str(path))

    # ------------------------------------------------------------------ the best checkpoint
    def report_quality(self, step: int, score: float, metric: str = "KID") -> bool:
        """A quality score of the model at `step` (lower is better, e.g. KID); keeps the best checkpoint.

        If the score beats the best so far, that step's checkpoint becomes RUN/checkpoints/best.safetensors
        (atomically; never pruned) with best.json saying step, score and metric. When `step`'s checkpoint
        is not on disk but `step` is the current step, the current state is written as the best instead.
        Call it between steps from the thread that runs the loop (as in-training metrics do); the loop
        yields the resulting `Saved("best", ...)` event. Returns True when a new best was kept."""
        if not self.is_main:
            return False
        score = float(score)
        if not math.isfinite(score):
            return False
        with self._lock:
            best = self.best
            if best is not None and best.get("score") is not None and score >= float(best["score"]):
                return False
            info = {"step": int(step), "score": score, "metric": str(metric), "reason": f"lowest {metric} so far",
                    "kept_at_step": self.state.step}
            src = self.run.checkpoint_path(step)
            try:
                if src.is_file():
                    self._copy_best(src, info)
                elif step == self.state.step:
                    self.save_checkpoint(self.run.best_path, {"best": info})
                else:
                    raise ValueError(f"report_quality: no checkpoint of step {step} on disk to keep "
                                     f"(the trainer is at step {self.state.step})")
            except OSError as e:
                self.pending.append(Message(
                    "warning", f"Could not keep the best checkpoint (step {step}, {metric} {score:.4g}) in "
                               f"{self.run.path}: {e.strerror or e}. Older files are intact."))
                return False
            self.best = info
            self.pending.append(Saved("best", int(step), str(self.run.best_path)))
        return True

    def _copy_best(self, src: Path, info: dict) -> None:
        """best.safetensors and best.json replaced together (checkpoint.replace_atomic): on a full disk both
        stay the previous best's."""
        try:
            sidecar = json.loads(src.with_suffix(".json").read_text())
        except (OSError, json.JSONDecodeError):
            sidecar = {}
        sidecar["best"] = info
        best = self.run.best_path
        replace_atomic([(best, src), (best.with_suffix(".json"), json.dumps(sidecar, indent=1).encode())])

    def load_known_best(self) -> None:
        """On resume: best.json, trusted only if it describes the best.safetensors that is there."""
        self.best = None
        best = self.run.best_checkpoint()
        if best is None:
            return
        sidecar = self.run.read_best() or {}
        info = sidecar.get("best") if isinstance(sidecar.get("best"), dict) else {}
        try:
            step = read_state(best).step
        except StudioError:
            return
        if info.get("step") != step:
            self.best = {"step": step, "score": None, "metric": None, "reason": "unknown"}
        else:
            self.best = info

    def keep_before_trouble(self, why: str) -> list[Event]:
        """Without a quality metric, the best is the last checkpoint written before a warning (mode
        collapse, discriminator overfitting, NaN/Inf): a run that goes wrong overnight keeps its good state
        although later checkpoints push that one out of the last K."""
        if not self.is_main:
            return []
        with self._lock:
            if self.best is not None and self.best.get("score") is not None:
                return []  # a measured best knows better than a warning
            latest = self.run.latest_checkpoint()
            if latest is None:
                return []
            step = int(step_of(latest))
            if self.best is not None and self.best.get("step") == step:
                return []
            if self.best is not None and str(self.best.get("reason", "")).startswith("last checkpoint before"):
                # Kept before an earlier warning (perhaps in an earlier session): the checkpoints since may
                # hold the problem itself, so the best stays, and the artist is told which it is.
                return [Message("info", f"{self.run.best_path.name} stays the checkpoint of step "
                                        f"{self.best.get('step')}, kept before the first warning "
                                        f"({self.best['reason'].split(': ', 1)[-1]}).")]
            info = {"step": step, "score": None, "metric": None, "reason": f"last checkpoint before: {why}",
                    "kept_at_step": self.state.step}
            try:
                self._copy_best(latest, info)
            except OSError as e:
                return [Message("warning", f"Could not keep the checkpoint of step {step} as the best: "
                                           f"{e.strerror or e}.")]
            self.best = info
        return [Saved("best", step, str(self.run.best_path)),
                Message("info", f"The checkpoint of step {step}, written before this problem ({why}), is kept "
                                f"as {self.run.best_path.name} (it will not be pruned).")]
