"""Training from the window: Start / Pause / Resume / Stop, and the training job's events turned into
what the window shows (curves, grid, progress, messages, the finished run opened in Explore).

The training is a generator job (studio.ui.worker.train on superqt's GeneratorWorker): one long loop that
pauses and stops between steps; its events arrive as one signal, `match`ed in `_on_event`."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from studio.core.formats.metrics_rows import Quality
from studio.core.training.events import Finished, Message, Paused, Progress, Saved, Started
from studio.ui.app_state import AppState
from studio.ui.base.jobs import Job, start_job
from studio.ui.worker import DatasetReady, LiveSamples, TrainControls, train
from studio.ui.widgets.progress_panel import thousands

REFRESH_MS = 330  # curves and progress redraw at most 3 Hz, however fast events arrive
STEADY_SECONDS = 60.0  # training time after which a run's images/s is worth remembering for the next estimate


class TrainingController(QObject):
    """`window` is the MainWindow that owns it (its widgets, state and open project)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.worker: Job | None = None  # the training job, while it runs
        self.controls: TrainControls | None = None  # its pause / resume / stop
        self.finished_event: Finished | None = None  # how the last session ended
        self.last_checkpoint: str | None = None  # the last checkpoint it saved
        self._pending_progress = None
        self._first_progress = self._last_progress = None  # this session's: its speed is remembered at the end
        self._run = None  # (model, resolution, aspect) of the run in training, as resolved: from Started
        self._area_side = 0  # the side of the square of its picture's area: what its recognisable point scales with
        self._tray: QSystemTrayIcon | None = None
        self.refresh = QTimer(self)
        self.refresh.setInterval(REFRESH_MS)
        self.refresh.timeout.connect(self.refresh_views)
        self.refresh.start()

    # ------------------------------------------------------------------ commands
    def start_or_toggle(self) -> None:
        if self.w.state == AppState.IDLE:
            self.start()
        else:
            self.toggle_pause()

    def toggle_pause(self) -> None:
        if self.w.state == AppState.TRAINING:
            self.pause()
        elif self.w.state == AppState.PAUSED:
            self.resume()

    def start(self) -> None:
        w, tp = self.w, self.w.train_panel
        project = w.project
        if w.state != AppState.IDLE or project is None or self.worker is not None:
            return
        if project.data is None:
            w.show_message("error", "This run does not say which image folder it was trained on.")
            return
        if tp.blocked:
            w.show_message("error", tp.blocked)
            return
        from studio.core.errors import StudioError

        resume = tp.resume_box.isChecked() and tp.resume_box.isEnabled()
        try:
            cfg = tp.config(str(project.data))
            cfg.validate()
        except StudioError as e:
            w.show_message("error", str(e))
            return
        chosen = tp.run_folder.text().strip()
        if resume:
            run_dir = project.run
        elif chosen and not (project.run and Path(chosen) == project.run):
            run_dir = Path(chosen).expanduser()
        else:
            run_dir = w.home / "runs" / f"{project.data.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        dataset = None
        if w.dataset is not None:
            folder = w.dataset.folder
            if folder.config == cfg.data_config() and Path(folder.folder).resolve() == project.data:
                dataset = folder  # decoded once already: the trainer reuses it
        if not resume:
            w.live.clear()
            w.compare.set_checkpoints([])
            w.projects.stop_following()
        w.live.augment_used = cfg.augment != "none"
        self._run = self._first_progress = self._last_progress = None
        self._device, self._batch, self._width = cfg.device, cfg.batch or None, cfg.width
        w.message_bar.hide()
        self.controls = TrainControls()
        self.finished_event = self.last_checkpoint = None
        job = start_job(w, train, cfg, run_dir, self.controls, resume=resume, dataset=dataset,
                        failure="Training stopped with an error", name="training", start=False)
        job.progress.connect(lambda loaded: w.progress_panel.set_loading(*loaded))
        job.yielded.connect(self._on_event)
        job.failed.connect(lambda text: w.show_message("error", text))
        job.finished.connect(self._on_thread_finished)
        self.worker = job
        project.run = Path(run_dir)
        tp.run_folder.setText(str(run_dir))
        w.set_state(AppState.LOADING)
        w.tabs.setCurrentIndex(0)
        w.progress_panel.set_text("starting…")
        job.start()

    def pause(self) -> None:
        if self.controls is not None and self.worker is not None and self.w.state == AppState.TRAINING:
            self.controls.pause()
            self.w.set_state(AppState.PAUSED)
            self.w.progress_panel.set_pausing()

    def resume(self) -> None:
        if self.controls is not None and self.worker is not None and self.w.state == AppState.PAUSED:
            self.controls.resume()
            self.w.set_state(AppState.TRAINING)

    def stop(self) -> None:
        if self.controls is not None and self.worker is not None and \
                self.w.state in (AppState.LOADING, AppState.TRAINING, AppState.PAUSED):
            self.controls.stop()
            self.w.set_state(AppState.STOPPING)

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
                self.w.show_message(level, text)
            case Paused(step=step):
                self._on_paused(step)
            case Finished():
                self.finished_event = ev
                self._on_finished(ev)
            case DatasetReady(report=report):
                self._on_dataset(report)

    def _on_dataset(self, report) -> None:
        if self.w.dataset is None:
            self.w.dataset_panel.set_report(report)

    def _on_started(self, ev) -> None:
        w = self.w
        if w.state == AppState.LOADING:
            w.set_state(AppState.PAUSED if self.controls is not None and self.controls.is_paused else AppState.TRAINING)
        w.device_label.setText(f"Device: {ev.device}")
        canvas = ev.canvas
        self._run = (ev.model, ev.resolution, canvas.aspect if canvas is not None else "1:1") if ev.model else None
        self._area_side = canvas.area_side if canvas is not None else ev.resolution
        w.progress_panel.canvas = canvas  # a growing run's stages are named by its picture size
        w.live.total_steps = ev.total_steps
        if w.project is not None and w.project.run is not None:
            w.window_settings.remember(w.project.run)
        where = f"resumed from {Path(ev.resumed_from).name}" if ev.resumed_from else "started"
        w.statusBar().showMessage(f"Training {where}: {ev.dataset_size} images, {ev.batch_note or f'batch {ev.batch}'}",
                                  5000)

    def on_quality(self, ev) -> None:
        self.w.loss_plot.add_quality(ev.step, ev.kid, ev.fid, ev.density, ev.coverage)
        self.w.statusBar().showMessage(f"Quality at {thousands(ev.kimg)} images: " + self.w.loss_plot.quality_text(), 8000)

    def _on_progress(self, ev) -> None:
        self.w.loss_plot.add_point(ev.step, ev.losses, ev.augment_p if self.w.live.augment_used else None)
        self._pending_progress = ev  # shown by the refresh timer, in the same repaint as the curves

    def refresh_views(self) -> None:
        w = self.w
        w.loss_plot.flush()
        ev, self._pending_progress = self._pending_progress, None
        if ev is None or w.state not in (AppState.TRAINING, AppState.STOPPING):
            return  # paused: the bar says where, not the rate of the step before
        self._last_progress = ev
        self._first_progress = self._first_progress or ev
        w.progress_panel.set_progress(ev.step, ev.kimg, ev.total_kimg, ev.images_per_second, ev.elapsed, ev.eta,
                                      ev.fraction, ev.resolution, ev.alpha)
        if self._run is not None:
            from studio.core.training.estimate import recognisable_progress

            w.progress_panel.set_recognisable(recognisable_progress(self._run[0], self._area_side, ev.kimg,
                                                                    ev.images_per_second))
        if ev.gpu_memory_mb is not None:
            w.memory_label.setText(f"GPU memory: {ev.gpu_memory_mb:,.0f} MB")
            w.memory_label.show()

    def _on_samples(self, image: QImage, step: int, kimg: float) -> None:
        self.w.live.set_live(image, f"step {step} · {thousands(kimg)} images")
        self.w.export_action.setEnabled(True)

    def _on_saved(self, kind: str, step: int, path: str) -> None:
        if kind == "snapshot":
            self.w.live.add_frame(step, path)
        else:
            self.w.projects.refresh_checkpoints()

    def _on_paused(self, step: int) -> None:
        if self.w.state == AppState.PAUSED:
            self.w.progress_panel.set_paused(step)

    def _on_finished(self, ev) -> None:
        w = self.w
        if w.is_shut:
            return  # delivered after the window closed; the run is saved already
        self._pending_progress = None
        how = {"completed": "finished", "stopped": "stopped",
               "diverged": "stopped because the losses diverged"}.get(ev.reason, ev.reason)
        text = f"Training {how} at step {ev.step} ({thousands(ev.kimg)} images). Checkpoint saved: {ev.checkpoint}"
        w.show_message("warning" if ev.reason == "diverged" else "info", text)
        if ev.reason == "completed":
            w.progress_panel.set_ended(f"done · step {ev.step}", 1.0, ev.kimg)
        else:
            w.progress_panel.set_ended(f"{how} · step {ev.step}", max(0, w.progress_panel.bar.value()) / 1000, ev.kimg)
        self._notify("GAN Studio", text)
        self._remember_speed()
        if ev.checkpoint and w.explore_tab is not None and w.explore_on_finish:
            w.explore_checkpoint(ev.checkpoint, switch=False)

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
        remember_run_speed(model, resolution, self._device, ips, seconds, self._batch, folder=self.w.estimator.cache,
                           aspect=aspect, width=self._width)

    def _on_thread_finished(self) -> None:
        w = self.w
        self.worker = None
        w.set_state(AppState.IDLE if w.project is not None else AppState.EMPTY)
        w.projects.update_resumable()
        w.closed_after_training()

    def _notify(self, title: str, text: str) -> None:
        QApplication.alert(self.w)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                icon = self.w.windowIcon()
                self._tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self)
            self._tray.show()
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def shutdown(self) -> None:
        self.refresh.stop()
        if self.worker is not None:
            self.worker.wait()
        if self._tray is not None:
            self._tray.hide()
