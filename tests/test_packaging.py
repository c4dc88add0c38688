"""The built wheel installs into a fresh virtual environment and works: `studio --version` and a
2-step `studio train`. (The heavy dependencies come from the test's own environment through a .pth
file; the test is about our wheel, not about downloading PyTorch again.)"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import studio

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_in_fresh_venv(tmp_path: Path):
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(dist), str(REPO)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (wheel,) = dist.glob("gan_studio-*.whl")
    assert studio.__version__ in wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert "studio/core/training/trainer.py" in names and "studio/ui/main_window.py" in names
    assert any(n.endswith("share/applications/gan-studio.desktop") for n in names)
    assert any(n.endswith("apps/gan-studio.svg") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "gan_studio_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    studio_cmd = venv / "bin" / "studio"
    where = subprocess.check_output([str(py), "-c", "import studio; print(studio.__file__)"], text=True, cwd=tmp_path)
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout
    r = subprocess.run([str(studio_cmd), "--version"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0 and f"GAN Studio {studio.__version__}" in r.stdout
    assert (venv / "share" / "applications" / "gan-studio.desktop").exists()
    r = subprocess.run([str(studio_cmd), "demo-data", "demo", "--count", "8", "--size", "16"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(studio_cmd), "train", "demo", "--out", "run", "--model", "dcgan", "--resolution", "16",
                        "--batch", "4", "--width", "16", "--steps", "2", "--device", "cpu", "--quiet"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "checkpoints" / "step-00000002.safetensors").exists()
