"""Run inside `unshare -rm` (a private mount namespace): a real disk that fills up during training and
during an export. Mounts a small tmpfs, trains into it with `studio train`, fills the disk once the first
checkpoint exists, then exports into the full disk with `studio generate`. Prints one JSON line.

    unshare -rm python tests/core/disk_full_run.py DATA_DIR CHECKPOINT MOUNT_POINT
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def can_unshare() -> bool:
    """Whether this machine lets a process make its own mount namespace (`unshare -rm`) for a real tmpfs."""
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def fill(folder: Path) -> None:
    """Write until the disk says no more (ENOSPC), to the last byte."""
    with open(folder / "filler", "wb") as f:
        block = b"\0" * (1 << 16)
        try:
            while True:
                f.write(block)
                f.flush()
        except OSError:
            pass
    try:  # the last partial block, a byte at a time
        with open(folder / "filler", "ab") as f:
            while True:
                f.write(b"\0")
                f.flush()
    except OSError:
        pass
    try:
        (folder / "filler2").touch()  # the inode table of a tmpfs is rarely the limit
    except OSError:
        pass


def _loads(p: Path) -> bool:
    from studio.core.formats.checkpoint import load_checkpoint

    try:
        return load_checkpoint(p).step == int(p.name[5:13])
    except Exception:
        return False


def main() -> int:
    data, checkpoint, mnt = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    mnt.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], check=True)
    run, exports = mnt / "run", mnt / "exports"
    # An earlier export, made while there was room.
    first = subprocess.run([sys.executable, "-m", "studio", "generate", str(checkpoint), "--seeds", "1", "--out",
                            str(exports)], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    earlier = {p.name: digest(p) for p in exports.iterdir()}
    train = subprocess.Popen([sys.executable, "-m", "studio", "train", str(data), "--out", str(run), "--model",
                              "dcgan", "--resolution", "16", "--batch", "4", "--width", "16", "--device", "cpu",
                              "--quiet", "--minutes", "0.25", "--checkpoint-every", "4", "--snapshot-minutes",
                              "0.02"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((run / "checkpoints").glob("step-*.safetensors")):
        time.sleep(0.02)
    fill(mnt)
    time.sleep(0.05)  # a write in progress when the disk filled may still complete: take stock after it
    kept = {p.name: digest(p) for p in (run / "checkpoints").glob("step-*.safetensors")}
    steps_at_fill = max(int(n[5:13]) for n in kept)
    train_err, _ = train.communicate(timeout=240)
    gen = subprocess.run([sys.executable, "-m", "studio", "generate", str(checkpoint), "--seeds", "2-5", "--grid",
                          "--out", str(exports)], capture_output=True, text=True, timeout=120)
    result = {
        "train_rc": train.returncode, "train_output": train_err[-4000:],
        "kept_at_fill": kept, "steps_at_fill": steps_at_fill,
        "kept_after": {n: digest(run / "checkpoints" / n) for n in kept if (run / "checkpoints" / n).exists()},
        "loads": {n: _loads(run / "checkpoints" / n) for n in kept},
        "checkpoints_after": sorted(p.name for p in (run / "checkpoints").iterdir()),
        "export_rc": gen.returncode, "export_stderr": gen.stderr[-2000:],
        "earlier": earlier, "exports_after": {p.name: digest(p) for p in exports.iterdir()},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
