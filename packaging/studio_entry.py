"""Entry script of the PyInstaller bundle: the same `studio` command as the wheel installs."""

import multiprocessing
import sys

from studio.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must do this before any worker process starts
    sys.exit(main())
