"""Packaging: `python -m build` makes an sdist and, from it, a wheel; the wheel installs into a fresh
virtual environment and works (`studio --version`, a 2-step `studio train`, its resources found).
(The heavy dependencies come from the test's own environment through a .pth file; the test is about
our packages, not about downloading PyTorch again.) The app-bundle spec is checked cheaply: the
bundle itself is built by `make bundle`, not in CI (it is gigabytes)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import studio

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
RESOURCE_FILES = ["studio/resources/guide.html", "studio/resources/gan-studio.svg",
                  *(f"studio/resources/icons/{s}x{s}/gan-studio.png" for s in (16, 24, 32, 48, 64, 128, 256, 512))]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`python -m build`: the sdist, then the wheel built from the unpacked sdist (what PyPI users get)."""
    dist = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (sdist,) = dist.glob("gan_studio-*.tar.gz")
    (wheel,) = dist.glob("gan_studio-*.whl")
    return sdist, wheel


@pytest.mark.slow
def test_sdist_and_wheel_carry_the_app_and_its_resources(built: tuple[Path, Path]):
    sdist, wheel = built
    assert f"gan_studio-{studio.__version__}" in sdist.name and studio.__version__ in wheel.name
    root = sdist.name[: -len(".tar.gz")]
    in_sdist = set(tarfile.open(sdist).getnames())
    for name in ["pyproject.toml", "resources/gan-studio.desktop", "studio/core/training/trainer.py", *RESOURCE_FILES]:
        assert f"{root}/{name}" in in_sdist, name
    names = zipfile.ZipFile(wheel).namelist()
    for name in ["studio/core/training/trainer.py", "studio/ui/main_window.py", *RESOURCE_FILES]:
        assert name in names, name
    assert any(n.endswith("share/applications/gan-studio.desktop") for n in names)
    assert any(n.endswith("hicolor/scalable/apps/gan-studio.svg") for n in names)
    assert any(n.endswith("hicolor/48x48/apps/gan-studio.png") for n in names)
    assert not any(n.startswith(("tests/", "packaging/", "bench/")) for n in names)


@pytest.mark.slow
def test_wheel_in_fresh_venv(built: tuple[Path, Path], tmp_path: Path):
    _, wheel = built
    # Nothing of the checkout: tests/conftest.py puts the repo on PYTHONPATH for other tests' subprocesses.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "gan_studio_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # --ignore-installed: the .pth also shows pip the checkout's editable install, which must not count.
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
                        str(wheel)], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    studio_cmd = venv / "bin" / "studio"
    where = subprocess.check_output([str(py), "-c", "import studio; print(studio.__file__)"], text=True, cwd=tmp_path,
                                    env=env)
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout
    # The window's icon and the guide are found in the installed package (not in a checkout).
    found = subprocess.check_output(
        [str(py), "-c", "from studio.resources import resource_path, icon_pngs; "
                        "print(resource_path('guide.html')); print(len(icon_pngs()))"], text=True, cwd=tmp_path, env=env)
    guide, count = found.split()
    assert guide.startswith(str(venv)) and count == "8"
    r = subprocess.run([str(studio_cmd), "--version"], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                       env=env)
    assert r.returncode == 0 and f"GAN Studio {studio.__version__}" in r.stdout
    assert (venv / "share" / "applications" / "gan-studio.desktop").exists()
    assert (venv / "share" / "icons" / "hicolor" / "256x256" / "apps" / "gan-studio.png").exists()
    r = subprocess.run([str(studio_cmd), "demo-data", "demo", "--count", "8", "--size", "16"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(studio_cmd), "train", "demo", "--out", "run", "--model", "dcgan", "--resolution", "16",
                        "--batch", "4", "--width", "16", "--steps", "2", "--device", "cpu", "--quiet"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "checkpoints" / "step-00000002.safetensors").exists()


def test_version_is_written_in_one_place():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'version = { attr = "studio.__version__" }' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M)
    spec = (PACKAGING / "gan-studio.spec").read_text()
    pattern = re.search(r're\.search\(r\'(.+?)\', ', spec).group(1)
    assert re.search(pattern, (REPO / "studio" / "__init__.py").read_text(), re.M).group(1) == studio.__version__


def test_bundle_spec_is_python_and_its_files_exist():
    """What `make bundle` needs, without running PyInstaller: the spec parses, and every file it, the
    build script and the Windows installer script name is in the repository."""
    spec = PACKAGING / "gan-studio.spec"
    ast.parse(spec.read_text(), str(spec))
    ast.parse((PACKAGING / "studio_entry.py").read_text())
    ast.parse((PACKAGING / "make_icons.py").read_text())
    text = spec.read_text()
    named = re.findall(r'ROOT / "([^"]+)" / "([^"]+)"', text)
    assert ("packaging", "studio_entry.py") in named
    for rel in named:
        if rel[0] != "build":  # build/icons is made by the build (make_icons.py --ico-icns build/icons)
            assert (REPO.joinpath(*rel)).exists(), rel
    for icon in re.findall(r'"(gan-studio\.(?:ico|icns))"', text):
        assert icon in (PACKAGING / "make_icons.py").read_text(), icon  # made by make_icons.py --ico-icns
    script = (PACKAGING / "build_linux.sh").read_text()
    assert subprocess.run(["bash", "-n", str(PACKAGING / "build_linux.sh")]).returncode == 0
    for rel in re.findall(r"(?<![\w/$])((?:packaging|resources|studio/resources)/[\w./-]+\.\w+)", script):
        assert (REPO / rel).exists(), rel
    for line in (PACKAGING / "requirements-build.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[\w-]+==[\w.]+", line.strip()), f"unpinned build tool: {line}"
    iss = (PACKAGING / "windows" / "gan-studio.iss").read_text()
    assert "#define AppVersion" in iss and "dist\\gan-studio" in iss and "build\\icons\\gan-studio.ico" in iss
    desktop = (REPO / "resources" / "gan-studio.desktop").read_text()
    assert "Exec=studio " in desktop and "Icon=gan-studio" in desktop  # install-desktop-entry.sh rewrites Exec
