"""Nothing lost, nothing executed: malicious pickles, disk full, NaN recovery, SIGKILL at random times."""

from __future__ import annotations

import errno
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from PIL import Image

from studio.core.errors import StudioError
from studio.core.explore.loading import load_generator
from studio.core.formats import checkpoint as ckpt_mod
from studio.core.formats.checkpoint import load_checkpoint
from studio.core.formats.run import RunDir
from studio.core.training.config import TrainConfig
from studio.core.training.events import Finished, Message, Saved
from studio.core.training.trainer import Trainer
from tests.core.disk_full_run import can_unshare


class Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def tiny(data: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), model="dcgan", resolution=16, batch=4, width=16, z_dim=16, grid=4, device="cpu",
                steps=4)
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "model.pkl", "model.safetensors"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path, name: str):
    marker = tmp_path / "pwned"
    evil = tmp_path / name
    evil.write_bytes(pickle.dumps({"G": Payload(marker)}))
    # Sanity: the payload is real (unpickling it in a throwaway process would create the marker).
    with pytest.raises(StudioError):
        load_checkpoint(evil)
    with pytest.raises(StudioError):
        load_generator(evil)
    r = subprocess.run([sys.executable, "-m", "studio", "generate", str(evil), "--seeds", "0", "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not marker.exists()
    # And the payload does run if someone unpickles it — so the test above proves something.
    subprocess.run([sys.executable, "-c", f"import pickle; pickle.loads(open({str(evil)!r}, 'rb').read())"],
                   timeout=60)
    assert marker.exists()


def test_disk_full_during_checkpoint_keeps_old_files(tiny_folder: Path, tmp_path: Path, monkeypatch):
    trainer = Trainer(tiny(tiny_folder, steps=6, checkpoint_every=2), tmp_path / "run")
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd):
        calls["n"] += 1
        if calls["n"] > 2:  # the first checkpoint (file + sidecar) succeeds, later ones hit ENOSPC
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(ckpt_mod.os, "fsync", full_disk)
    events = []
    fin = trainer.train(events.append)
    assert fin.reason == "completed" and fin.step == 6  # training went on
    warnings = [e.text for e in events if isinstance(e, Message)]
    assert any("No space left" in w and "Older files are intact" in w for w in warnings)
    cps = RunDir(tmp_path / "run").checkpoints()
    assert [s for s, _ in cps] == [2]
    assert load_checkpoint(cps[0][1]).step == 2  # the good one is intact and loads
    leftovers = [p.name for p in (tmp_path / "run" / "checkpoints").iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_nan_rolls_back_then_gives_up(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, steps=400), tmp_path / "run")
    trainer.report_seconds = 0.0  # check losses after every step
    poison = {"left": 1}
    real_step = trainer.step

    def step():
        out = real_step()
        if poison["left"] > 0:
            poison["left"] -= 1
            with torch.no_grad():
                for p in trainer.G.parameters():
                    p.fill_(float("nan"))
        return out

    trainer.step = step
    lr0 = trainer.opt_g.param_groups[0]["lr"]
    events = []
    it = trainer.events()
    for ev in it:
        events.append(ev)
        if trainer.step_count >= 20:
            trainer.stop()
    msgs = [e.text for e in events if isinstance(e, Message)]
    assert any("rolled back" in m for m in msgs)
    assert trainer.opt_g.param_groups[0]["lr"] == lr0 / 2
    assert all(torch.isfinite(p).all() for p in trainer.G.parameters())
    assert isinstance(events[-1], Finished) and events[-1].reason == "stopped"
    trainer.close()

    # Poisoned at every step: three recoveries, then a clear stop.
    t2 = Trainer(tiny(tiny_folder, steps=400), tmp_path / "run2")
    t2.report_seconds = 0.0
    real2 = t2.step

    def always_nan():
        out = real2()
        with torch.no_grad():
            next(t2.G.parameters()).fill_(float("nan"))
        return out

    t2.step = always_nan
    events = list(t2.events())
    t2.close()
    assert events[-1].reason == "diverged"
    assert sum("rolled back" in getattr(e, "text", "") for e in events) == 3
    assert any(getattr(e, "level", "") == "error" and "learning rate" in e.text for e in events)


def _train_cmd(data: Path, run: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "studio", "train", str(data), "--out", str(run), "--model", "dcgan",
            "--resolution", "16", "--batch", "4", "--width", "16", "--device", "cpu", "--quiet",
            "--checkpoint-every", "3", "--snapshot-minutes", "0.001", *extra]


# A slow disk, so that a kill can land between a file's write and its rename (a window of microseconds
# otherwise): every fsync takes 0.3 s. The code under test is the real one; only the OS call is slower.
SLOW_DISK = """
import os, sys, time
_fsync = os.fsync
def _slow(fd):
    time.sleep(0.3)
    return _fsync(fd)
os.fsync = _slow
from studio.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _studio(*args: str, slow_disk: bool = False) -> list[str]:
    return [sys.executable, "-c", SLOW_DISK, *args] if slow_disk else [sys.executable, "-m", "studio", *args]


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def _sigkill_trials(data: Path, tmp_path: Path, trials: int, seed: int) -> list[str]:
    """SIGKILL `studio train` mid-step and mid-checkpoint-write, and `studio interpolate` mid-export, in turn;
    after each kill: the latest checkpoint is complete, at most one checkpoint interval of work is lost, no
    partial file sits at a final name, earlier exports are intact. Returns what happened, one line a trial."""
    rng = random.Random(seed)
    run = RunDir(tmp_path / "run")
    exports = tmp_path / "exports"
    log: list[str] = []
    earlier: dict[str, bytes] = {}
    last_step = 0
    for trial in range(trials):
        kind = ("step", "checkpoint", "export")[trial % 3]
        if kind == "export":
            if not earlier:  # an export made before any kill, which must survive every later one
                r = subprocess.run(_studio("generate", str(run.path), "--seeds", "1", "--out", str(exports)),
                                   capture_output=True, text=True, timeout=120)
                assert r.returncode == 0, r.stderr
                earlier = {p.name: p.read_bytes() for p in exports.iterdir()}
            slow = rng.random() < 0.5  # half the time kill while the temporary is complete but not yet linked
            proc = subprocess.Popen(_studio("interpolate", str(run.path), "--seeds", "1,2,3", "--frames", "48",
                                            "--scale", "4", "--out", str(exports / "walk.gif"), slow_disk=slow),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if slow:
                assert _wait_for(lambda: any(".partial" in p.name for p in exports.iterdir()))
                when = "with its file written, before the link"
            else:
                time.sleep(rng.uniform(2.0, 6.0))  # start-up, rendering frames, or encoding
                when = "at a random moment"
            alive = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            for p in exports.iterdir():
                if p.name.startswith("walk"):  # a final name: the complete animation or nothing
                    with Image.open(p) as im:
                        assert im.n_frames == 48, f"trial {trial}: {p.name} is incomplete"
            assert {n: (exports / n).read_bytes() for n in earlier} == earlier
            log.append(f"export killed {when} ({'running' if alive else 'had finished'}): "
                       f"{sorted(p.name for p in exports.iterdir())}")
            continue
        resume = ["--resume"] if run.latest_checkpoint() else []
        proc = subprocess.Popen(_studio(*_train_cmd(data, run.path, "--steps", "100000", *resume)[3:],
                                        slow_disk=kind == "checkpoint"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def newer() -> bool:
            cps = run.checkpoints()
            return bool(cps) and cps[-1][0] > last_step

        assert _wait_for(newer), f"trial {trial}: training never wrote a checkpoint"
        if kind == "checkpoint":  # a checkpoint's temporary (tensors or sidecar) exists: kill before its rename
            part = rng.choice([".safetensors.tmp-", ".json.tmp-"])
            assert _wait_for(lambda: any(part in p.name and int(p.name[6:14]) > last_step
                                         for p in run.checkpoints_dir.iterdir() if p.name.startswith(".step-")))
            when = f"during a checkpoint write ({'tensors' if 'safetensors' in part else 'sidecar'} not renamed yet)"
        else:
            time.sleep(rng.uniform(0.0, 1.5))
            when = "at a random moment"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        cps = run.checkpoints()
        assert cps, f"trial {trial}: no checkpoint survived"
        step, latest = cps[-1]
        assert load_checkpoint(latest).step == step >= last_step  # the latest checkpoint is complete
        for s_, p in cps:
            load_checkpoint(p)
        metrics, _ = run.read_metrics()  # a line torn by the kill is skipped
        done = max([r.step for r in metrics] + [0])
        assert done - step <= 3, f"trial {trial}: {done - step} steps lost (checkpoint every 3)"
        last_step = step
        leftovers = [p.name for p in run.checkpoints_dir.iterdir() if ".tmp" in p.name]
        log.append(f"train killed {when}: latest step {step} loads, metrics at step {done}, "
                   f"temporaries left {leftovers}")
    # The lock of the killed process is stale and recovered; the run resumes and finishes; the killed
    # writers' temporaries are gone.
    r = subprocess.run(_train_cmd(data, run.path, "--steps", str(last_step + 3), "--resume"),
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert f"resumed from step-{last_step:08d}" in r.stderr
    assert run.checkpoints()[-1][0] == last_step + 3
    assert not [p for p in run.checkpoints_dir.iterdir() if ".tmp" in p.name]
    if exports.exists():
        r = subprocess.run(_studio("generate", str(run.path), "--seeds", "7", "--out", str(exports)),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert not [p for p in exports.iterdir() if ".partial" in p.name]
    return log


@pytest.mark.slow
def test_sigkill_during_steps_checkpoints_and_exports(tiny_folder: Path, tmp_path: Path):
    """The reduced form CI runs: three kills, one of each kind."""
    for line in _sigkill_trials(tiny_folder, tmp_path, 3, seed=1234):
        print(line)


@pytest.mark.slow
@pytest.mark.full
@pytest.mark.skipif(not os.environ.get("GAN_STUDIO_FULL"), reason="the full form: GAN_STUDIO_FULL=1 pytest -m full")
def test_sigkill_twelve_times(tiny_folder: Path, tmp_path: Path):
    """The issue's full form: at least 10 kills at random times (here 12: four of each kind)."""
    trials = int(os.environ.get("GAN_STUDIO_KILL_TRIALS", "12"))
    # A fresh seed each run unless one is given; printed first, so a failure's captured output says how to
    # replay its sequence of kill kinds and moments: GAN_STUDIO_KILL_SEED=<seed> GAN_STUDIO_FULL=1 pytest -m full
    seed = int(os.environ.get("GAN_STUDIO_KILL_SEED") or random.SystemRandom().randrange(2**32))
    print(f"kill seed {seed} (replay: GAN_STUDIO_KILL_SEED={seed})", flush=True)
    for line in _sigkill_trials(tiny_folder, tmp_path, max(10, trials), seed=seed):
        print(line)


def test_out_of_memory_halves_the_chunk_and_keeps_the_batch(tiny_folder: Path, tmp_path: Path):
    trainer = Trainer(tiny(tiny_folder, steps=3, batch=8), tmp_path / "run")
    real_synthesis = trainer.G.synthesis
    fail = {"left": 1}

    def synthesis(ws, *a, **kw):
        if fail["left"] and ws.shape[0] > 4:  # "too big for the GPU" until the batch is split
            fail["left"] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected)")
        return real_synthesis(ws, *a, **kw)

    trainer.G.synthesis = synthesis
    events = []
    fin = trainer.train(events.append)
    assert fin.reason == "completed" and fin.step == 3
    assert trainer.accum == 2 and trainer.batch == 8 and trainer.nimg == 24
    assert any(isinstance(e, Message) and "2 chunks of 4 images" in e.text for e in events)



# --------------------------------------------------------------------------- full or unwritable disks
REPO = Path(__file__).resolve().parents[2]


def _unprivileged() -> list[str]:
    """A command prefix under which permissions are enforced: as root, drop the capabilities that let root
    write anywhere (so a chmod'ed folder really is unwritable); as a user, nothing is needed."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder unwritable for this process")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-step DCGAN run to export from."""
    from studio.core.demo import write_demo_data

    base = tmp_path_factory.mktemp("small")
    data = write_demo_data(base / "images", count=24, size=16)
    Trainer(tiny(data, steps=2), base / "run").train()
    return base / "run"


@pytest.mark.skipif(not can_unshare(), reason="needs `unshare -rm` (user + mount namespaces) for a real tmpfs")
def test_a_really_full_disk_during_training_and_export(tiny_folder: Path, small_run: Path, tmp_path: Path):
    """A real disk (a 24 MB tmpfs in a private mount namespace) fills up after the first checkpoint."""
    driver = Path(__file__).with_name("disk_full_run.py")
    checkpoint = RunDir(small_run).latest_checkpoint()
    r = subprocess.run(["unshare", "-rm", sys.executable, str(driver), str(tiny_folder), str(checkpoint),
                        str(tmp_path / "mnt")], capture_output=True, text=True, timeout=400, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    # Training: a clear warning, the run went on to the end, and older checkpoints are intact and load.
    said = out["train_output"]
    assert out["train_rc"] == 0, said
    assert "No space left on device" in said and "Older files are intact" in said
    assert "completed at step" in said and "Traceback" not in said
    assert out["kept_after"] == out["kept_at_fill"] and all(out["loads"].values())
    assert not [n for n in out["checkpoints_after"] if ".tmp" in n]
    # Export: a sentence, not a traceback; the earlier export untouched; no partial file left.
    assert out["export_rc"] == 2 and "No space left on device" in out["export_stderr"]
    assert "Traceback" not in out["export_stderr"]
    assert {n: out["exports_after"].get(n) for n in out["earlier"]} == out["earlier"]
    assert not [n for n in out["exports_after"] if n.startswith(".")]


def test_unwritable_checkpoint_folder_real_permissions(tiny_folder: Path, tmp_path: Path):
    """chmod 500 on the checkpoints folder mid-run (root's override capabilities dropped when root)."""
    run = RunDir(tmp_path / "run")
    proc = subprocess.Popen(_unprivileged() + _train_cmd(tiny_folder, run.path, "--minutes", "0.2"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert _wait_for(lambda: bool(run.checkpoints())), "training never wrote a checkpoint"
    os.chmod(run.checkpoints_dir, 0o500)
    try:
        time.sleep(0.05)  # a write already past its rename may land; take stock after it
        kept = {p.name: p.read_bytes() for _, p in run.checkpoints()}
        err, _ = proc.communicate(timeout=240)  # messages and the final line, together
        after = {p.name: p.read_bytes() for _, p in run.checkpoints()}
    finally:
        os.chmod(run.checkpoints_dir, 0o755)
    assert proc.returncode == 0, err
    assert "Permission denied" in err and "Older files are intact" in err and "Traceback" not in err
    assert "completed at step" in err
    assert after == kept and kept
    for name in kept:
        assert load_checkpoint(run.checkpoints_dir / name).step == int(name[5:13])
    metrics, _ = run.read_metrics()
    assert max(r.step for r in metrics) > max(int(n[5:13]) for n in kept)  # training went on
    # Writable again: the run resumes, and any temporary a refused rename left behind is cleaned up.
    r = subprocess.run(_train_cmd(tiny_folder, run.path, "--resume", "--steps", "1"), capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert not [p for p in run.checkpoints_dir.iterdir() if ".tmp" in p.name]


def test_unwritable_checkpoint_folder_injected(tiny_folder: Path, tmp_path: Path, monkeypatch):
    """EACCES at the write call itself (what a chmod'ed folder gives a user), in-process."""
    trainer = Trainer(tiny(tiny_folder, steps=6, checkpoint_every=2), tmp_path / "run")
    real_open = open
    state = {"deny": False}

    def denying_open(path, mode="r", *a, **kw):
        if state["deny"] and "w" in mode and "checkpoints" in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, mode, *a, **kw)

    monkeypatch.setattr("builtins.open", denying_open)
    events = []
    for ev in trainer.events():
        events.append(ev)
        if isinstance(ev, Saved) and ev.kind == "checkpoint" and ev.step == 2:
            state["deny"] = True
    trainer.close()
    assert events[-1].reason == "completed" and events[-1].step == 6
    warnings = [e.text for e in events if isinstance(e, Message)]
    assert any("Permission denied" in w and "Older files are intact" in w for w in warnings)
    assert [s for s, _ in RunDir(tmp_path / "run").checkpoints()] == [2]
    assert load_checkpoint(RunDir(tmp_path / "run").checkpoints()[0][1]).step == 2


def test_export_into_a_full_or_unwritable_folder_injected(small_run: Path, tmp_path: Path, monkeypatch):
    from studio.core import export as export_mod
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter

    renderer = Renderer.open(small_run)
    ex = Exporter(tmp_path / "out")
    first = ex.save_recipe(renderer, Recipe(seeds=[1]), "art.png")
    before = first.read_bytes()
    for err, text in ((errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied")):
        def fail(fd, err=err, text=text):
            raise OSError(err, text)

        monkeypatch.setattr(export_mod.os, "fsync", fail)
        with pytest.raises(StudioError, match=f"{text}.*already there are intact"):
            ex.save_recipe(renderer, Recipe(seeds=[2]), "art.png")
        with pytest.raises(StudioError, match=text):
            ex.save_animation([renderer.render(Recipe(seeds=[s])) for s in (1, 2)], "loop.gif")
        monkeypatch.undo()
        assert first.read_bytes() == before
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["art.png"]  # no partial, no art-2
    assert ex.save_recipe(renderer, Recipe(seeds=[2]), "art.png").name == "art-2.png"  # room again: numbered


def test_export_into_an_unwritable_folder_real_permissions(small_run: Path, tmp_path: Path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "studio", "generate", str(small_run), "--seeds", "1", "--out",
                        str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    os.chmod(out, 0o500)
    try:
        for cmd in (["generate", str(small_run), "--seeds", "1-3", "--grid", "--out", str(out)],
                    ["interpolate", str(small_run), "--seeds", "1,2", "--frames", "4", "--out", str(out / "a.gif")]):
            r = subprocess.run(_unprivileged() + [sys.executable, "-m", "studio", *cmd], capture_output=True,
                               text=True, timeout=120)
            assert r.returncode == 2, r.stderr
            assert "Permission denied" in r.stderr and "Traceback" not in r.stderr
    finally:
        os.chmod(out, 0o755)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
