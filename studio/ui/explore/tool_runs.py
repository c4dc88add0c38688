"""The Explore tools' jobs, guarded once: a tool runs one job at a time and only with a checkpoint open;
its failures are said; it shows busy meanwhile; closing the tab cancels and waits for every job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.ui.explore.tool import Tool, ToolHost
from studio.ui.base.jobs import Job, start_job, stop_jobs


class ToolRuns:
    def __init__(self, host: ToolHost) -> None:
        self.host = host
        self.jobs: dict[str, Job] = {}  # by tool name: the one running

    def run(self, tool: Tool, work: Callable[..., Any], *request: Any, failure: str) -> Job | None:
        """`work(job, checkpoint, *request)` off the GUI thread for `tool`; None (and a sentence) if refused."""
        host = self.host
        if host.checkpoint is None:
            host.say("Open a checkpoint first.")
            return None
        if tool.name in self.jobs:
            host.say(f"{tool.title} is already running.")
            return None
        job = start_job(host, work, host.checkpoint, *request, failure=failure, name=tool.name)
        self.jobs[tool.name] = job
        job.failed.connect(host.say)
        job.finished.connect(lambda: self._finished(tool, job))
        tool.set_busy(True)
        return job

    def _finished(self, tool: Tool, job: Job) -> None:
        if self.jobs.get(tool.name) is job:
            del self.jobs[tool.name]
        tool.set_busy(False)

    def cancel(self, tool: Tool) -> None:
        job = self.jobs.get(tool.name)
        if job is not None:
            job.cancel()

    def stop_all(self) -> None:
        """Cancel and wait for every tool's job (the tab is closing); indexing the nearest images does not
        check, but it is bounded by the training set."""
        stop_jobs(list(self.jobs.values()))
