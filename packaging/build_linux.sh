#!/usr/bin/env bash
# Builds GAN Studio's one-folder Linux bundle: dist/gan-studio/ (run dist/gan-studio/studio).
#
#   packaging/build_linux.sh                 # a fresh build venv with the wheel's dependencies from PyPI
#   REUSE_SITE=~/.cache/gan-studio/venv/lib/python3.11/site-packages packaging/build_linux.sh
#                                            # reuse an environment's torch/PySide6 instead of downloading
#   TORCH_INDEX_URL=<PyTorch's CPU wheel index> packaging/build_linux.sh
#                                            # the CPU-only variant (about 1 GB instead of 4.2: no CUDA)
#
# Environment: BUILD_VENV (default build/bundle-venv), PYTHON (default python3, 3.10+).
# Steps: build venv -> our wheel installed in it (non-editable: the bundle gets what a user would) ->
# .ico/.icns from the committed PNGs -> PyInstaller with packaging/gan-studio.spec -> desktop entry
# and icons into the bundle -> a smoke test (`studio --version`) and the bundle's size.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${BUILD_VENV:-$ROOT/build/bundle-venv}"
DIST="$ROOT/dist/gan-studio"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q -r packaging/requirements-build.txt
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ -n "${REUSE_SITE:-}" ]; then
    # torch + CUDA are 5 GB: hard-link an existing environment's packages into the build venv rather
    # than downloading them again (no extra disk; a copy where hard links cannot be made). A .pth file
    # would do for imports, but PyInstaller keeps a library's package folder only for files inside the
    # venv's own site-packages: through a .pth, torch's and CUDA's libraries were collected twice (+1.3 GB).
    for entry in "$REUSE_SITE"/*; do
        name="$(basename "$entry")"
        case "$name" in
            __editable__*|gan_studio*|pip|pip-*|setuptools|setuptools-*|_distutils_hack|distutils-precedence.pth|\
            pkg_resources|__pycache__|*.pth) continue ;;
        esac
        [ -e "$SITE/$name" ] || cp -al "$entry" "$SITE/" 2>/dev/null || cp -a "$entry" "$SITE/"
    done
elif [ -n "${TORCH_INDEX_URL:-}" ]; then
    "$PY" -m pip install -q torch torchvision --index-url "$TORCH_INDEX_URL"
fi

# Our own package as a user gets it: a wheel, not the checkout (so package data is what ships).
rm -rf build/wheel
"$PY" -m pip wheel -q --no-deps -w build/wheel .
if [ -n "${REUSE_SITE:-}" ]; then
    "$PY" -m pip install -q --no-deps --force-reinstall build/wheel/gan_studio-*.whl
else
    "$PY" -m pip install -q --force-reinstall build/wheel/gan_studio-*.whl
fi

"$PY" packaging/make_icons.py --ico-icns build/icons >/dev/null
start=$(date +%s)
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/gan-studio.spec
echo "PyInstaller: $(( $(date +%s) - start )) s"

# Desktop integration: the entry, the icon set, and a script that installs both for the user.
mkdir -p "$DIST/share/applications"
cp resources/gan-studio.desktop "$DIST/share/applications/"
for d in studio/resources/icons/*x*; do
    mkdir -p "$DIST/share/icons/hicolor/$(basename "$d")/apps"
    cp "$d/gan-studio.png" "$DIST/share/icons/hicolor/$(basename "$d")/apps/"
done
mkdir -p "$DIST/share/icons/hicolor/scalable/apps"
cp studio/resources/gan-studio.svg "$DIST/share/icons/hicolor/scalable/apps/"
cp packaging/install-desktop-entry.sh "$DIST/"

"$DIST/studio" --version
echo "bundle: $DIST  $(du -sh "$DIST" | cut -f1)"
