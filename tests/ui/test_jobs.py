"""The one-shot jobs on superqt's pool (studio/ui/jobs.py): the error policy, cancelling, and that the
tests' guard (running_threads) sees a job until its work has returned."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from studio.core.errors import StudioError
from studio.ui.base.jobs import jobs_below, start_job, stop_jobs
from studio.ui.base.threads import running_threads
from tests.conftest import HANG_GUARD_MS


@pytest.fixture
def owner(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


def test_a_job_returns_and_reports_in_the_gui_thread(qtbot, owner):
    gui = threading.get_ident()
    seen: list = []

    def work(job, n):
        assert threading.get_ident() != gui  # off the GUI thread
        for i in range(n):
            job.report(i, n)
        return n * 10

    job = start_job(owner, work, 3)
    job.progress.connect(lambda p: seen.append((p, threading.get_ident() == gui)))
    with qtbot.waitSignal(job.done, timeout=HANG_GUARD_MS) as done:
        pass
    assert done.args == [30]
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=HANG_GUARD_MS)
    assert seen == [((0, 3), True), ((1, 3), True), ((2, 3), True)]


def test_an_artists_error_is_its_sentence_and_a_bug_is_a_traceback(qtbot, owner, capsys):
    def refuse(job):
        raise StudioError("That folder has no pictures.")

    def bug(job):
        return 1 / 0

    job = start_job(owner, refuse, failure="Reading failed")
    with qtbot.waitSignal(job.failed, timeout=HANG_GUARD_MS) as failed:
        pass
    assert failed.args == ["That folder has no pictures."]
    assert "Traceback" not in capsys.readouterr().err

    job = start_job(owner, bug, failure="Reading failed")
    with qtbot.waitSignal(job.failed, timeout=HANG_GUARD_MS) as failed:
        pass
    assert failed.args == ["Reading failed: ZeroDivisionError: division by zero"]
    err = capsys.readouterr().err
    assert "Traceback" in err and "1 / 0" in err  # the worker's own frame, for the bug report


def test_the_guard_sees_a_running_job_and_a_cancel_ends_it(qtbot, owner):
    began = threading.Event()

    def until_cancelled(job):
        began.set()
        while not job.cancelled():
            threading.Event().wait(0.01)
        return "late"

    job = start_job(owner, until_cancelled)
    returned: list = []
    job.done.connect(returned.append)
    qtbot.waitUntil(began.is_set, timeout=HANG_GUARD_MS)
    assert job in running_threads() and job in jobs_below(owner)
    stop_jobs([job], HANG_GUARD_MS)
    assert job not in running_threads()
    with qtbot.waitSignal(job.finished, timeout=HANG_GUARD_MS):
        pass
    assert returned == []  # a cancelled job's result is not delivered


def test_a_job_cancelled_before_the_pool_began_it_never_runs(qtbot, owner):
    ran = threading.Event()
    job = start_job(owner, lambda job: ran.set(), start=False)
    finished: list = []
    job.finished.connect(lambda: finished.append(True))
    job.cancel()  # e.g. a window closing while superqt's start waits for the next turn of the event loop
    job.start()
    assert job.wait(0) and not job.is_running()
    qtbot.waitUntil(lambda: finished == [True], timeout=HANG_GUARD_MS)
    assert not ran.is_set()


def test_each_job_gets_a_fresh_thread(qtbot, owner):
    """Per-thread state must not leak from one job into the next: a pooled thread kept OpenMP's thread count
    from its first torch call, and the speed probe then measured '1 thread' after the render thread had set 1."""
    threads = []
    for _ in range(3):
        job = start_job(owner, lambda job: threading.get_native_id())
        with qtbot.waitSignal(job.done, timeout=HANG_GUARD_MS) as done:
            pass
        threads.append(done.args[0])
        qtbot.waitUntil(lambda: not running_threads(), timeout=HANG_GUARD_MS)
    assert len(set(threads)) == 3, f"jobs shared a thread: {threads}"


def test_a_generator_job_yields_in_order_and_a_cancel_closes_it_in_its_thread(qtbot, owner):
    gui = threading.get_ident()
    closed: list = []

    def count(job, n):
        try:
            for i in range(n):
                yield i
            while not job.cancelled():
                yield "waiting"
        finally:
            closed.append(threading.get_ident() != gui)

    job = start_job(owner, count, 3)
    seen: list = []
    job.yielded.connect(seen.append)
    qtbot.waitUntil(lambda: "waiting" in seen, timeout=HANG_GUARD_MS)
    assert seen[:3] == [0, 1, 2]
    stop_jobs([job], HANG_GUARD_MS)
    assert closed == [True]  # its finally ran, off the GUI thread
