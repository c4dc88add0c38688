"""`studio train --aspect` as a subprocess: the shape named on the first line, kept by generate, info and
regenerate (bit for bit), and by `studio interpolate`'s GIF, WebP and MP4 walks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.test_cli import run


def test_landscape_run_from_train_to_regenerate(tmp_path: Path):
    r = run("demo-data", "demo", "--count", "12", "--size", "32", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("train", "demo", "--out", "run", "--aspect", "3:2", "--resolution", "32", "--steps", "4", "--device",
            "cpu", "--model", "dcgan", "--batch", "4", "--width", "16", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith("shape 24×16 px (3:2 landscape): the nearest to 3:2 at 32 px"), first
    assert "training dcgan at 24×16 px (3:2 landscape)" in r.stderr
    r = run("generate", "run", "--seeds", "0-3", "--out", "out", "--grid", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for seed in range(4):
        assert Image.open(tmp_path / "out" / f"seed{seed:04d}.png").size == (24, 16)
    assert Image.open(tmp_path / "out" / "grid.png").size == (2 * 24 + 2, 2 * 16 + 2)  # 2 x 2 for 4 landscapes
    r = run("regenerate", "out/seed0002.png", "--out", "again.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.asarray(Image.open(tmp_path / "again.png")),
                          np.asarray(Image.open(tmp_path / "out" / "seed0002.png")))
    r = run("info", "out/seed0002.png", cwd=tmp_path)
    assert r.returncode == 0 and "shape 24×16 px" in r.stdout, r.stdout + r.stderr
    r = run("info", "run", cwd=tmp_path)
    assert r.returncode == 0 and "dcgan at 24×16 px" in r.stdout, r.stdout + r.stderr


def test_a_bad_aspect_is_a_sentence(tmp_path: Path):
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (30, 20)).save(tmp_path / "imgs" / "a.png")
    r = run("train", "imgs", "--out", "run", "--aspect", "5:1", "--steps", "1", "--device", "cpu", cwd=tmp_path)
    assert r.returncode == 2 and "1:2 to 2:1" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------ walks and interpolations at 24×16


@pytest.fixture(scope="module")
def landscape_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4-step DCGAN run at 3:2, 16 px: 24×16 pictures (trained in this process: `studio train --aspect`
    itself is the test above)."""
    from studio.core.demo import write_demo_data
    from studio.core.training.config import TrainConfig
    from studio.core.training.trainer import Trainer

    import torch

    base = tmp_path_factory.mktemp("cli-landscape")
    data = write_demo_data(base / "demo", count=12, size=32)
    cfg = TrainConfig(data=str(data), model="dcgan", aspect="3:2", resolution=16, batch=4, width=16, z_dim=16,
                      grid=4, device="cpu", steps=4)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    Trainer(cfg, base / "run").train()
    yield base / "run"
    torch.set_num_threads(n)


def studio(capsys, *args: str) -> Path:
    """`studio ARGS…` in this process (the same parser and command as the terminal's); the path it prints."""
    from studio.cli import run_cli

    capsys.readouterr()
    assert run_cli(list(args)) == 0
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


def frame_sizes(path: Path) -> tuple[int, set[tuple[int, int]]]:
    """(frames, their sizes) of a GIF, WebP or MP4."""
    if path.suffix == ".mp4":
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        n = sum(1 for _ in reader)
        return n, {tuple(meta["size"])}
    with Image.open(path) as im:
        sizes = set()
        for i in range(im.n_frames):
            im.seek(i)
            sizes.add(im.size)
        return im.n_frames, sizes


def count_ok(suffix: str, n: int) -> bool:
    """4 frames; libwebp's animation encoder merges frames that come out identical (a 4-step model's frames
    barely differ), so a WebP may hold fewer."""
    return 1 <= n <= 4 if suffix == ".webp" else n == 4


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".mp4"])
def test_interpolations_and_walks_keep_the_shape(landscape_run: Path, tmp_path: Path, suffix: str, capsys):
    from studio.core.export_formats import ANIMATIONS

    if not ANIMATIONS[suffix].available():
        pytest.skip(ANIMATIONS[suffix].missing)
    # Between seeds, in z (a loop) and in w, native and enlarged ×2.
    out = studio(capsys, "interpolate", str(landscape_run), "--seeds", "1,5", "--frames", "4", "--loop", "--out",
                 str(tmp_path / f"between{suffix}"))
    n, sizes = frame_sizes(out)
    assert sizes == {(24, 16)} and count_ok(suffix, n), (n, sizes)
    out = studio(capsys, "interpolate", str(landscape_run), "--seeds", "3", "--frames", "4", "--space", "w",
                 "--scale", "2", "--out", str(tmp_path / f"walk{suffix}"))
    n, sizes = frame_sizes(out)
    assert sizes == {(48, 32)} and count_ok(suffix, n), (n, sizes)
