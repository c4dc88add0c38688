"""The window's views as its controllers see them: one adapter over the frozen `WindowViews` and
`WindowActions` that implements studio.ui.views' TrainingView and ProjectView. It keeps the window's
state (studio.ui.app_state) and enables the actions from its table."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from studio.ui.app_state import AppState, enabled
from studio.ui.widgets.progress_panel import format_duration, thousands
from studio.ui.window_layout import WindowViews
from studio.ui.window_menus import WindowActions


class WindowPresenter:
    """`on_state(state)` is called after each change of state (the window's estimates follow it)."""

    def __init__(self, window: QMainWindow, views: WindowViews, actions: WindowActions,
                 on_state: Callable[[AppState], None]) -> None:
        self.window = window
        self.views = views
        self.actions = actions
        self.on_state = on_state
        self._state = AppState.EMPTY
        self.is_shut = False  # set once the window has closed
        self._tray: QSystemTrayIcon | None = None

    # ------------------------------------------------------------------ state and messages
    @property
    def state(self) -> AppState:
        return self._state

    def set_state(self, state: AppState | str) -> None:
        state = self._state = AppState(state)
        v, a = self.views, self.actions
        v.train_panel.set_state(state)
        v.state_label.setText(state.text)
        for name, action in (("start", a.start), ("pause", a.pause), ("stop", a.stop), ("source", a.source),
                             ("close", a.close)):
            action.setEnabled(enabled(name, state))
        a.export.setEnabled(not v.grid.image.isNull())
        self.on_state(state)

    def say(self, level: str, text: str) -> None:
        self.views.message_bar.show_message(level, text)
        self.note(text.splitlines()[0] if text else "", 8000)

    def note(self, text: str, msecs: int = 0) -> None:
        self.window.statusBar().showMessage(text, msecs)

    def show_project(self, title: str | None) -> None:
        """The project view titled `title` (a folder, a run, a picture), or the welcome view for None."""
        self.window.setWindowTitle(f"GAN Studio — {title}" if title else "GAN Studio")
        self.views.stack.setCurrentWidget(self.views.split if title else self.views.welcome)

    def on_welcome(self) -> bool:
        return self.views.stack.currentWidget() is self.views.welcome

    def clear_project(self) -> None:
        """Nothing of the last project shows: its samples, curves, checkpoints, progress and messages."""
        v = self.views
        v.live.clear()
        v.compare.clear_views()
        v.compare.set_checkpoints([])
        v.progress_panel.reset()
        v.memory_label.hide()
        v.message_bar.hide()  # the last project's messages ("No images found in …") are not this one's

    def show_live_tab(self) -> None:
        self.views.tabs.setCurrentWidget(self.views.live)

    def show_dataset_tab(self) -> None:
        self.views.tabs.setCurrentWidget(self.views.dataset_panel)

    # ------------------------------------------------------------------ a run: the Live tab
    @property
    def total_steps(self) -> int | None:
        return self.views.live.total_steps

    def show_run(self, canvas, total_steps: int | None) -> None:
        self.views.progress_panel.canvas = canvas  # a growing run's stages are named by its picture size
        self.views.live.total_steps = total_steps

    def set_augmented(self, on: bool) -> None:
        self.views.live.augment_used = on

    def begin_session(self, new_run: bool, augmented: bool) -> None:
        """Training starts: a new run clears the last one's samples and checkpoints."""
        v = self.views
        if new_run:
            v.live.clear()
            v.compare.set_checkpoints([])
        self.set_augmented(augmented)
        v.message_bar.hide()

    def show_loading(self, done: int, total: int) -> None:
        self.views.progress_panel.set_loading(done, total)

    def show_starting(self) -> None:
        self.show_live_tab()
        self.views.progress_panel.set_text("starting…")

    def show_pausing(self) -> None:
        self.views.progress_panel.set_pausing()

    def show_paused(self, step: int) -> None:
        self.views.progress_panel.set_paused(step)

    def show_progress(self, step, kimg, total_kimg, images_per_second, elapsed, eta, fraction, resolution,
                      alpha) -> None:
        self.views.progress_panel.set_progress(step, kimg, total_kimg, images_per_second, elapsed, eta, fraction,
                                               resolution, alpha)

    def show_recognisable(self, text: str) -> None:
        self.views.progress_panel.set_recognisable(text)

    def bar_fraction(self) -> float:
        return max(0, self.views.progress_panel.bar.value()) / 1000

    def show_ended(self, text: str, fraction: float | None, kimg: float | None, elapsed: float | None = None) -> None:
        self.views.progress_panel.set_ended(text, fraction, kimg)
        if elapsed is not None:
            self.views.progress_panel.elapsed.setText(format_duration(elapsed))

    def show_device(self, name: str) -> None:
        self.views.device_label.setText(f"Device: {name}")

    def show_memory(self, megabytes: float) -> None:
        self.views.memory_label.setText(f"GPU memory: {megabytes:,.0f} MB")
        self.views.memory_label.show()

    def add_losses(self, step: int, losses: dict[str, float], augment_p: float | None) -> None:
        self.views.loss_plot.add_point(step, losses, augment_p if self.views.live.augment_used else None)

    def add_records(self, records) -> None:
        self.views.loss_plot.add_records(records)

    def show_quality(self, q) -> None:
        plot = self.views.loss_plot
        plot.add_quality(q.step, q.kid, q.fid, q.density, q.coverage)
        self.note(f"Quality at {thousands(q.kimg)} images: " + plot.quality_text(), 8000)

    def flush_curves(self) -> None:
        self.views.loss_plot.flush()

    def show_samples(self, image: QImage, caption: str) -> None:
        self.views.live.set_live(image, caption)
        self.actions.export.setEnabled(True)

    def add_snapshot(self, step: int, path: str) -> None:
        self.views.live.add_frame(step, path)

    def set_frames(self, frames: list[tuple[int, str]]) -> None:
        self.views.live.set_frames(frames)

    def set_checkpoints(self, checkpoints: list[tuple[int, str]]) -> None:
        self.views.compare.set_checkpoints(checkpoints)

    # ------------------------------------------------------------------ the folder: the Dataset tab
    def show_folder(self, folder: Path) -> None:
        self.views.dataset_panel.set_folder(str(folder))

    def show_folder_loading(self, done: int, total: int) -> None:
        self.views.dataset_panel.set_loading(done, total)

    def show_report(self, report, thumbnails: QImage | None = None, augmented: QImage | None = None,
                    augment_p: float = 0.5) -> None:
        self.views.dataset_panel.set_report(report, thumbnails, augmented, augment_p)

    def show_folder_failed(self, text: str) -> None:
        self.views.dataset_panel.set_failed(text)

    # ------------------------------------------------------------------ outside the window
    def notify(self, title: str, text: str) -> None:
        QApplication.alert(self.window)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                icon = self.window.windowIcon()
                self._tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self.window)
            self._tray.show()
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def shutdown(self) -> None:
        self.is_shut = True
        if self._tray is not None:
            self._tray.hide()
