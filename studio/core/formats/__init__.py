"""What the studio writes to disk and reads back: checkpoints, the run folder, the metrics rows, the
recipe a PNG carries. Below both training and exploring (pyproject.toml's import contracts)."""
