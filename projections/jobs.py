"""Jobs as they stand now (view ``jobs``), and which of them the server still owes.

``active()`` lists the queued and working jobs in id order: the job runner takes its work from
there, at start-up too, which is how a job interrupted by a crash completes after the restart.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import jobs as ev
from events.base import Envelope, Event

ACTIVE = ("queued", "working")


class Job(msgspec.Struct, kw_only=True):
    id: int
    org_id: int
    kind: str
    subject: str
    state: str = "queued"  # queued | working | complete | failed | canceled
    progress: float = 0.0
    attempts: int = 0
    errors: dict[str, list[str]] = {}
    version: int = 1
    created_at: int = 0
    updated_at: int = 0


def evolve_job(state: Job | None, e: Event, at: int) -> Job | None:
    match e:
        case ev.JobQueued():
            return Job(id=e.job_id, org_id=e.org_id, kind=e.kind, subject=e.subject, created_at=at, updated_at=at)
        case ev.JobStarted() if state:
            return msgspec.structs.replace(state, state="working", attempts=e.attempt, version=state.version + 1,
                                           updated_at=at)
        case ev.JobCompleted() if state:
            return msgspec.structs.replace(state, state="complete", progress=100.0, version=state.version + 1,
                                           updated_at=at)
        case ev.JobFailed() if state:
            return msgspec.structs.replace(state, state="failed", errors=dict(e.errors), version=state.version + 1,
                                           updated_at=at)
        case ev.JobCanceled() if state:
            return msgspec.structs.replace(state, state="canceled", version=state.version + 1, updated_at=at)
    return state


class JobsState(msgspec.Struct):
    jobs: dict[int, Job] = {}


class Jobs:
    """The ``jobs`` view."""

    name = "jobs"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, JobsState) if data else JobsState()
        self._active = {j.id for j in self.state.jobs.values() if j.state in ACTIVE}

    def dump(self) -> JobsState:
        return JobsState(dict(sorted(self.state.jobs.items())))

    def handlers(self) -> dict[type[Event], Any]:
        return {t: self._apply for t in ev.EVENTS}

    def _apply(self, env: Envelope, e: Any) -> None:
        job = evolve_job(self.state.jobs.get(e.job_id), e, env.recorded_at)
        if job is None:
            return
        self.state.jobs[job.id] = job
        if job.state in ACTIVE:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)

    # -- queries -----------------------------------------------------------------------------

    def get(self, org_id: int, job_id: int) -> Job | None:
        job = self.state.jobs.get(job_id)
        return job if job is not None and job.org_id == org_id else None

    def by_id(self, job_id: int) -> Job | None:
        return self.state.jobs.get(job_id)

    def active(self) -> list[Job]:
        """Queued and working jobs, oldest first."""
        return [self.state.jobs[i] for i in sorted(self._active)]

