"""Training from the window: Start / Pause / Resume / Stop, and the training job's events turned into
what the window shows (curves, grid, progress, messages, the finished run opened in Explore).

The training is a generator job (studio.ui.worker.train on superqt's GeneratorWorker): one long loop that
pauses and stops between steps; its events arrive as one signal, `match`ed in `_on_event`."""

from __future__ import annotations

import time
from pathlib import Path

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage

from studio.core.formats.metrics_rows import Quality
from studio.core.training.events import Finished, Message, Paused, Progress, Saved, Started
from studio.ui.app_state import AppState
from studio.ui.base.jobs import Job, start_job
from studio.ui.views import TrainingView
from studio.ui.widgets.progress_panel import thousands
from studio.ui.widgets.train_panel import TrainPanel
from studio.ui.worker import DatasetReady, LiveSamples, TrainControls, train

if TYPE_CHECKING:
    from studio.ui.project_controller import ProjectController

REFRESH_MS = 330  # curves and progress redraw at most 3 Hz, however fast events arrive
STEADY_SECONDS = 60.0  # training time after which a run's images/s is worth remembering for the next estimate


class TrainingController(QObject):
    """Trains the open project (`projects`) with the settings of `panel` in a run under `home`, shown on
    `view`. `remember(run)` adds a run to the recent list, `explore(checkpoint)` opens a finished run's
    last checkpoint in Explore, `ended()` is called when the training job has ended; `cache` holds the
    measured speeds."""

    def __init__(self, view: TrainingView, panel: TrainPanel, projects: ProjectController, home: Path,
                 cache: Path, remember: Callable[[Path], None], explore: Callable[[str], None],
                 ended: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self.view, self.panel, self.projects = view, panel, projects
        self.home, self.cache = home, cache
        self.remember, self.explore, self.ended = remember, explore, ended
        self.worker: Job | None = None  # the training job, while it runs
        self.controls: TrainControls | None = None  # its pause / resume / stop
        self.finished_event: Finished | None = None  # how the last session ended
        self.last_checkpoint: str | None = None  # the last checkpoint it saved
        self._pending_progress = None
        self._first_progress = self._last_progress = None  # this session's: its speed is remembered at the end
        self._run = None  # (model, resolution, aspect) of the run in training, as resolved: from Started
        self._area_side = 0  # the side of the square of its picture's area: what its recognisable point scales with
        self.refresh = QTimer(self)
        self.refresh.setInterval(REFRESH_MS)
        self.refresh.timeout.connect(self.refresh_views)
        self.refresh.start()

    # ------------------------------------------------------------------ commands
    def start_or_toggle(self) -> None:
        if self.view.state == AppState.IDLE:
            self.start()
        else:
            self.toggle_pause()

    def toggle_pause(self) -> None:
        if self.view.state == AppState.TRAINING:
            self.pause()
        elif self.view.state == AppState.PAUSED:
            self.resume()

    def start(self) -> None:
        view, tp = self.view, self.panel
        project = self.projects.project
        if view.state != AppState.IDLE or project is None or self.worker is not None:
            return
        if project.data is None:
            view.say("error", "This run does not say which image folder it was trained on.")
            return
        if tp.blocked:
            view.say("error", tp.blocked)
            return
        from studio.core.errors import StudioError

        resume = tp.resume_box.isChecked() and tp.resume_box.isEnabled()
        try:
            cfg = tp.config(str(project.data))
            cfg.validate()
        except StudioError as e:
            view.say("error", str(e))
            return
        chosen = tp.run_folder.text().strip()
        if resume:
            run_dir = project.run
        elif chosen and not (project.run and Path(chosen) == project.run):
            run_dir = Path(chosen).expanduser()
        else:
            run_dir = self.home / "runs" / f"{project.data.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        dataset = None
        if self.projects.dataset is not None:
            folder = self.projects.dataset.folder
            if folder.config == cfg.data_config() and Path(folder.folder).resolve() == project.data:
                dataset = folder  # decoded once already: the trainer reuses it
        if not resume:
            self.projects.stop_following()
        view.begin_session(new_run=not resume, augmented=cfg.augment != "none")
        self._run = self._first_progress = self._last_progress = None
        self._device, self._batch, self._width = cfg.device, cfg.batch or None, cfg.width
        self.controls = TrainControls()
        self.finished_event = self.last_checkpoint = None
        job = start_job(self, train, cfg, run_dir, self.controls, resume=resume, dataset=dataset,
                        failure="Training stopped with an error", name="training", start=False)
        job.progress.connect(lambda loaded: view.show_loading(*loaded))
        job.yielded.connect(self._on_event)
        job.failed.connect(lambda text: view.say("error", text))
        job.finished.connect(self._on_thread_finished)
        self.worker = job
        project.run = Path(run_dir)
        tp.run_folder.setText(str(run_dir))
        view.set_state(AppState.LOADING)
        view.show_starting()
        job.start()

    def pause(self) -> None:
        if self.controls is not None and self.worker is not None and self.view.state == AppState.TRAINING:
            self.controls.pause()
            self.view.set_state(AppState.PAUSED)
            self.view.show_pausing()

    def resume(self) -> None:
        if self.controls is not None and self.worker is not None and self.view.state == AppState.PAUSED:
            self.controls.resume()
            self.view.set_state(AppState.TRAINING)

    def stop(self) -> None:
        if self.controls is not None and self.worker is not None and \
                self.view.state in (AppState.LOADING, AppState.TRAINING, AppState.PAUSED):
            self.controls.stop()
            self.view.set_state(AppState.STOPPING)

    # ------------------------------------------------------------------ the training job's events
    def _on_event(self, ev) -> None:
        match ev:
            case Progress():
                self._on_progress(ev)
            case LiveSamples(image=image, step=step, kimg=kimg):
                self._on_samples(image, step, kimg)
            case Started():
                self._on_started(ev)
            case Saved(kind=kind, step=step, path=path):
                if kind == "checkpoint":
                    self.last_checkpoint = path
                self._on_saved(kind, step, path)
            case Quality():
                self.on_quality(ev)
            case Message(level=level, text=text):
                self.view.say(level, text)
            case Paused(step=step):
                self._on_paused(step)
            case Finished():
                self.finished_event = ev
                self._on_finished(ev)
            case DatasetReady(report=report):
                self._on_dataset(report)

    def _on_dataset(self, report) -> None:
        if self.projects.dataset is None:
            self.view.show_report(report)

    def _on_started(self, ev) -> None:
        view, project = self.view, self.projects.project
        if view.state == AppState.LOADING:
            paused = self.controls is not None and self.controls.is_paused
            view.set_state(AppState.PAUSED if paused else AppState.TRAINING)
        view.show_device(ev.device)
        canvas = ev.canvas
        self._run = (ev.model, ev.resolution, canvas.aspect if canvas is not None else "1:1") if ev.model else None
        self._area_side = canvas.area_side if canvas is not None else ev.resolution
        view.show_run(canvas, ev.total_steps)  # a growing run's stages are named by its picture size
        if project is not None and project.run is not None:
            self.remember(project.run)
        where = f"resumed from {Path(ev.resumed_from).name}" if ev.resumed_from else "started"
        view.note(f"Training {where}: {ev.dataset_size} images, {ev.batch_note or f'batch {ev.batch}'}", 5000)

    def on_quality(self, ev: Quality) -> None:
        self.view.show_quality(ev)

    def _on_progress(self, ev) -> None:
        self.view.add_losses(ev.step, ev.losses, ev.augment_p)
        self._pending_progress = ev  # shown by the refresh timer, in the same repaint as the curves

    def refresh_views(self) -> None:
        view = self.view
        view.flush_curves()
        ev, self._pending_progress = self._pending_progress, None
        if ev is None or view.state not in (AppState.TRAINING, AppState.STOPPING):
            return  # paused: the bar says where, not the rate of the step before
        self._last_progress = ev
        self._first_progress = self._first_progress or ev
        view.show_progress(ev.step, ev.kimg, ev.total_kimg, ev.images_per_second, ev.elapsed, ev.eta, ev.fraction,
                           ev.resolution, ev.alpha)
        if self._run is not None:
            from studio.core.training.estimate import recognisable_progress

            view.show_recognisable(recognisable_progress(self._run[0], self._area_side, ev.kimg,
                                                         ev.images_per_second))
        if ev.gpu_memory_mb is not None:
            view.show_memory(ev.gpu_memory_mb)

    def _on_samples(self, image: QImage, step: int, kimg: float) -> None:
        self.view.show_samples(image, f"step {step} · {thousands(kimg)} images")

    def _on_saved(self, kind: str, step: int, path: str) -> None:
        if kind == "snapshot":
            self.view.add_snapshot(step, path)
        else:
            self.projects.refresh_checkpoints()

    def _on_paused(self, step: int) -> None:
        if self.view.state == AppState.PAUSED:
            self.view.show_paused(step)

    def _on_finished(self, ev) -> None:
        view = self.view
        if view.is_shut:
            return  # delivered after the window closed; the run is saved already
        self._pending_progress = None
        how = {"completed": "finished", "stopped": "stopped",
               "diverged": "stopped because the losses diverged"}.get(ev.reason, ev.reason)
        text = f"Training {how} at step {ev.step} ({thousands(ev.kimg)} images). Checkpoint saved: {ev.checkpoint}"
        view.say("warning" if ev.reason == "diverged" else "info", text)
        if ev.reason == "completed":
            view.show_ended(f"done · step {ev.step}", 1.0, ev.kimg)
        else:
            view.show_ended(f"{how} · step {ev.step}", view.bar_fraction(), ev.kimg)
        view.notify("GAN Studio", text)
        self._remember_speed()
        if ev.checkpoint:
            self.explore(ev.checkpoint)

    def _remember_speed(self) -> None:
        """The next estimate for these settings starts from this run's own speed, once it trained long
        enough for its images/s to be steady; the probe's few seconds before Start were only a guess."""
        first, last, run = self._first_progress, self._last_progress, self._run
        if first is None or last is None or run is None or last.resolution is not None:
            return  # progressive runs change speed with every stage: no single figure to remember
        seconds = last.elapsed - first.elapsed  # training time only: pauses do not count
        if seconds < STEADY_SECONDS:
            return
        from studio.core.speed_probe import remember_run_speed

        ips = (last.kimg - first.kimg) * 1000 / seconds
        model, resolution, aspect = run
        remember_run_speed(model, resolution, self._device, ips, seconds, self._batch, folder=self.cache,
                           aspect=aspect, width=self._width)

    def _on_thread_finished(self) -> None:
        self.worker = None
        self.view.set_state(AppState.IDLE if self.projects.project is not None else AppState.EMPTY)
        self.projects.update_resumable()
        self.ended()

    def shutdown(self) -> None:
        self.refresh.stop()
        if self.worker is not None:
            self.worker.wait()
