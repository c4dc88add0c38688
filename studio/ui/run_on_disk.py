"""A run shown from its files, not from a training job of this window: its logged curves and where it
stopped (never a busy bar), or, while another process writes it (RunFollower), its progress as it comes;
its snapshots; and what an interruption between checkpoints lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from studio.core.formats.metrics_rows import LossRow, Quality
from studio.ui.app_state import AppState
from studio.ui.views import ProjectView

if TYPE_CHECKING:
    from studio.core.formats.run import RunDir


def show_records(view: ProjectView, records: list[LossRow | Quality]) -> None:
    """New rows of the run's metrics.jsonl: the curves, and the progress of its last loss row."""
    view.add_records(records)
    losses = [r for r in records if isinstance(r, LossRow)]  # quality records carry no speed or time
    if not losses:
        return
    last = losses[-1]
    step = last.step
    fraction = step / view.total_steps if view.total_steps else None
    if view.state != AppState.FOLLOWING:  # a run nobody trains: where it stopped, never a busy bar
        ended = "done" if fraction is not None and fraction >= 0.999 else "stopped"
        view.show_ended(f"{ended} · step {step}", fraction, last.kimg, elapsed=last.time)
        return
    view.show_progress(step, last.kimg, None, last.images_per_second, last.time, None, fraction,
                       last.resolution, last.alpha)


def show_snapshots(view: ProjectView, run: RunDir, step: int, path: str) -> None:
    """The run's snapshots in the timelapse, the newest (`path`, at `step`) on screen."""
    view.set_frames([(s, str(p)) for s, p in run.snapshots()])
    image = QImage(path)
    if not image.isNull():
        view.show_samples(image, f"snapshot at step {step}")


def say_if_interrupted(view: ProjectView, run: RunDir) -> None:
    """A run killed between checkpoints logged steps that no checkpoint holds: say what is kept and lost."""
    records = [r for r in run.read_metrics()[0] if isinstance(r, LossRow)]
    logged = records[-1].step if records else 0
    checkpoints = run.checkpoints()
    saved = checkpoints[-1][0] if checkpoints else 0
    if logged <= saved:
        return  # stopped or finished normally: the last checkpoint is the last step
    if checkpoints:
        n = logged - saved
        lost = "the 1 step after it is lost" if n == 1 else f"the {n} steps after it are lost"
        view.say("warning", f"This run was interrupted at step {logged}; resuming continues from step {saved}, "
                            f"its last checkpoint ({lost}).")
    else:
        view.say("warning", f"This run was interrupted at step {logged}, before its first checkpoint: nothing can "
                            "be resumed, and Start begins a new run from step 0.")
