"""Replacing files that already exist (best.safetensors + best.json, favourites.json) while the disk is full
or the process is killed. Two modes, each run by tests/core/test_replace_under_failure.py in a process of
its own; each prints one JSON line.

    unshare -rm python replace_under_failure.py full DATA MOUNT_POINT
        a real full disk: a small tmpfs in a private mount namespace, filled once a best checkpoint and
        favourites exist; then a new best is reported twice (from a checkpoint on disk, and from the
        current state) and a favourite added.
    python replace_under_failure.py churn DATA RUN
        replaces the best checkpoint and the favourites over and over until killed, on a slow disk (every
        fsync and every rename waits 0.2 s: only the OS calls are slower, so that a kill lands in each
        window of the replacement; the code is the real one).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from disk_full_run import fill  # beside this file (the script's folder is on sys.path)


def digest(p: Path) -> str | None:
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None


def trainer(data: Path, run: Path):
    import torch

    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    torch.set_num_threads(1)
    cfg = TrainConfig(data=str(data), model="dcgan", resolution=16, batch=4, width=16, steps=1000, device="cpu",
                      checkpoint_every=0, checkpoint_minutes=600, snapshot_minutes=600, metrics_every=0.0)
    return Trainer(cfg, run, device=torch.device("cpu"))


def favourite_recipe(n: int):
    import torch

    from studio.core.formats.recipe import Recipe, encode_w

    text, shape = encode_w(torch.full((1, 4), float(n)))
    return Recipe(seeds=[n], w=text, w_shape=shape)


def full(data: Path, mnt: Path) -> dict:
    from studio.core.errors import StudioError
    from studio.core.explore.canvas import Favourites
    from studio.core.training.events import Message

    mnt.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)], check=True)
    t = trainer(data, mnt / "run")
    run = t.run
    t.step()
    t.save_checkpoint()
    assert t.report_quality(1, 0.5)
    t.step()
    t.save_checkpoint()
    favourites = Favourites.load(run.path)
    favourites.add("first", favourite_recipe(1))
    files = [run.best_path, run.best_path.with_suffix(".json"), favourites.path]
    before = {p.name: digest(p) for p in files}
    fill(mnt)
    out: dict = {"before": before}
    # A new best from a checkpoint on disk (linked: costs no space; its sidecar needs a page)...
    out["kept_from_disk"] = t.report_quality(2, 0.4)
    t.step()
    # ... and from the current state, which is not on disk (the whole checkpoint needs space).
    out["kept_current"] = t.report_quality(3, 0.3)
    out["messages"] = [e.text for e in t.keeper.pending if isinstance(e, Message)]
    try:
        favourites.add("second", favourite_recipe(2))
        out["favourite_error"] = None
    except StudioError as e:
        out["favourite_error"] = str(e)
    out["favourites_listed"] = [f.name for f in favourites.items]
    out["after"] = {p.name: digest(p) for p in files}
    out["leftovers"] = sorted(p.name for d in (run.path, run.checkpoints_dir) for p in d.iterdir() if ".tmp" in p.name)
    out["best_step"] = _best_step(run)
    out["favourites_on_disk"] = [f.name for f in Favourites.load(run.path).items]
    t.close()
    return out


def _best_step(run) -> int:
    from studio.core.formats.checkpoint import load_checkpoint

    return load_checkpoint(run.best_path).step  # the whole file is read and parsed


def churn(data: Path, run_path: Path) -> None:
    slow_fsync, slow_replace = os.fsync, os.replace

    def fsync(fd):
        time.sleep(0.2)
        return slow_fsync(fd)

    def replace(a, b):
        time.sleep(0.2)
        return slow_replace(a, b)

    from studio.core.explore.canvas import Favourites

    t = trainer(data, run_path)
    t.step()
    t.save_checkpoint()
    t.step()
    t.save_checkpoint()
    assert t.report_quality(1, 1.0)
    favourites = Favourites.load(t.run.path)
    os.fsync, os.replace = fsync, replace
    print("ready", flush=True)
    score = 1.0
    n = 0
    while True:  # until killed: the best alternates between steps 2 and 1, the favourites grow
        score /= 2
        n += 1
        t.report_quality(1 + n % 2, score)
        favourites.add(f"f{n}", favourite_recipe(n))


if __name__ == "__main__":
    mode, data, where = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if mode == "full":
        print(json.dumps(full(data, where)))
    else:
        churn(data, where)
