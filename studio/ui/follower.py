"""Follow mode: watch a run folder that another process (`studio train`, a server) is writing, by
polling its metrics log (read incrementally) and its snapshots; nothing is trained here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal


class RunFollower(QObject):
    """Emits new metrics records and new snapshots of a run; `ended` once its writer has let go."""

    records = Signal(list)  # list[LossRow | Quality] from metrics.jsonl
    snapshot = Signal(int, str)  # step, path of the newest snapshot
    checkpoints_changed = Signal()
    ended = Signal()

    def __init__(self, run_path: Path, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from studio.core.formats.run import RunDir

        self.run = RunDir(run_path)
        self._offset = 0
        self._last_snapshot = -1
        self._checkpoints: list[int] = []
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self.active = False

    def start(self) -> None:
        self.active = True
        self.poll()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.active = False

    def poll(self) -> None:
        self._read()
        if self.active and not self.run.is_being_written():
            self._read()  # one last read: the writer may have appended just before it let go
            self.stop()
            self.ended.emit()

    def _read(self) -> None:
        records, self._offset = self.run.read_metrics(self._offset)
        if records:
            self.records.emit(records)
        snaps = self.run.snapshots()
        if snaps and snaps[-1][0] != self._last_snapshot:
            self._last_snapshot = snaps[-1][0]
            self.snapshot.emit(snaps[-1][0], str(snaps[-1][1]))
        cps = [s for s, _ in self.run.checkpoints()]
        if cps != self._checkpoints:
            self._checkpoints = cps
            self.checkpoints_changed.emit()
