#!/usr/bin/env bash
# Adds GAN Studio to the desktop's application menu for this user (run from the unpacked bundle).
# Undo: rm ~/.local/share/applications/gan-studio.desktop ~/.local/share/icons/hicolor/*/apps/gan-studio.*
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$DATA/applications"
cp -r "$HERE/share/icons" "$DATA/"
# The entry runs this bundle's `studio` by its absolute path (it is not on PATH).
sed "s|^Exec=studio |Exec=\"$HERE/studio\" |" "$HERE/share/applications/gan-studio.desktop" \
    > "$DATA/applications/gan-studio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "GAN Studio added to the application menu ($DATA/applications/gan-studio.desktop)."
