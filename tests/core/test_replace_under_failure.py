"""Replacing an existing file under failure: a full disk or a SIGKILL while best.safetensors, its sidecar
best.json or favourites.json is being replaced loses nothing, and a full disk is said in a sentence.
The work runs in its own process (tests/core/replace_under_failure.py): a real tmpfs that fills up, and
real kills."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from studio.core.explore.canvas import Favourites
from studio.core.formats.checkpoint import load_checkpoint
from studio.core.formats.run import RunDir
from tests.conftest import HANG_GUARD_S
from tests.core.disk_full_run import can_unshare

DRIVER = Path(__file__).with_name("replace_under_failure.py")
REPO = Path(__file__).resolve().parents[2]
# Where the kills land is drawn from a seed; a failure names it, and this variable replays it.
KILL_SEED = "GAN_STUDIO_KILL_SEED"


@contextmanager
def naming_the_seed(seed: int) -> Iterator[None]:
    """A failure inside says which seed it drew, and how to draw it again."""
    try:
        yield
    except AssertionError as e:
        note = (f"kill seed {seed}; replay it with {KILL_SEED}={seed} pytest "
                "tests/core/test_replace_under_failure.py -k sigkill")
        if hasattr(e, "add_note"):  # Python 3.11+
            e.add_note(note)
            raise
        raise AssertionError(f"{e}\n{note}") from e


@pytest.mark.slow
@pytest.mark.skipif(not can_unshare(), reason="needs `unshare -rm` (user + mount namespaces) for a real tmpfs")
def test_a_full_disk_while_replacing_the_best_and_the_favourites(tiny_folder: Path, tmp_path: Path):
    r = subprocess.run(["unshare", "-rm", sys.executable, str(DRIVER), "full", str(tiny_folder), str(tmp_path / "mnt")],
                       capture_output=True, text=True, timeout=HANG_GUARD_S * 8, cwd=REPO)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    # Nothing replaced: the best checkpoint, its sidecar and the favourites are byte for byte the old ones
    # (the best used to be linked into place before its sidecar failed: a new best.safetensors beside the
    # old best.json), and no temporary is left behind.
    assert out["after"] == out["before"] and all(out["before"].values())
    assert out["best_step"] == 1 and out["leftovers"] == []
    # Said: each failed replacement once, with the reason, and that the older files are intact.
    assert out["kept_from_disk"] is False and out["kept_current"] is False
    assert len(out["messages"]) == 2, out["messages"]
    for text in out["messages"]:
        assert "Could not keep the best checkpoint" in text and "No space left on device" in text
        assert "Older files are intact" in text
    assert "No space left on device" in out["favourite_error"] and "intact" in out["favourite_error"]
    # What the window lists is what is on disk: the favourite that could not be saved is not listed.
    assert out["favourites_listed"] == out["favourites_on_disk"] == ["first"]


@pytest.mark.slow
def test_sigkill_while_replacing_the_best_and_the_favourites(tiny_folder: Path, tmp_path: Path):
    """Kills in each window of a replacement: while the new files are written, between the checkpoint's
    rename and its sidecar's, and while favourites.json is written. After each: best.safetensors is a whole
    checkpoint, best.json parses (and, when it describes another step, the reader says so instead of
    trusting its score), favourites.json is a whole list; the next writer clears the temporaries."""
    seed = int(os.environ.get(KILL_SEED) or random.randrange(1 << 30))
    print(f"kill seed {seed} ({KILL_SEED}={seed} replays it)", flush=True)
    with naming_the_seed(seed):
        _kill_in_each_window(tiny_folder, tmp_path, random.Random(seed))


def _kill_in_each_window(tiny_folder: Path, tmp_path: Path, rng: random.Random) -> None:
    windows = {
        "writing the new best": lambda names: ".best.json.tmp-" in names and ".best.safetensors.tmp-" in names,
        "between the best's two renames": lambda names: (".best.json.tmp-" in names
                                                         and ".best.safetensors.tmp-" not in names),
        "writing favourites.json": lambda names: ".favourites.json.tmp-" in names,
    }
    seen: list[str] = []
    for trial, (window, landed) in enumerate(windows.items()):
        run = RunDir(tmp_path / f"run{trial}")
        proc = subprocess.Popen([sys.executable, str(DRIVER), "churn", str(tiny_folder), str(run.path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            time.sleep(rng.uniform(0.0, 1.0))  # a few replacements in, at a random one

            def names() -> str:
                return " ".join(p.name for d in (run.path, run.checkpoints_dir) for p in d.iterdir())

            deadline = time.monotonic() + HANG_GUARD_S
            while not landed(names()):
                assert time.monotonic() < deadline and proc.poll() is None, f"never {window}: {proc.stderr.read()}"
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=HANG_GUARD_S)
        step = load_checkpoint(run.best_path).step  # the whole file, tensors and all
        assert step in (1, 2)
        best_json = run.read_best()
        assert best_json is not None, "best.json is torn or gone"
        if window == "between the best's two renames":
            assert best_json["best"]["step"] != step, "the kill did not land between the renames"
        if best_json["best"]["step"] != step:
            # Killed between the renames: the reader sees the sidecar describes another checkpoint.
            assert window == "between the best's two renames"
            assert load_checkpoint(run.best_path).step != best_json["step"]
        favourites = Favourites.load(run.path)  # a whole list (or none yet), never a torn one
        run.acquire_lock()  # as the next trainer does: the killed one's lock is stale, its temporaries go
        assert not [p.name for d in (run.path, run.checkpoints_dir) for p in d.iterdir() if ".tmp" in p.name]
        run.release_lock()
        seen.append(f"{window}: best step {step}, best.json step {best_json['best']['step']}, "
                    f"{len(favourites.items)} favourites")
    print("\n".join(seen))
