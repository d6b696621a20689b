"""Jobs: work done in the background after a 202 (wire.md §3.1). Stream: ``job-N``.

``queued`` → ``working`` → ``complete`` | ``failed`` | ``canceled``. A job is work the server
owes: one that is queued or working when the process stops is picked up again at the next start
(``job.started`` may then appear more than once; ``attempt`` counts them).
"""

from __future__ import annotations

from events.base import Event


class JobQueued(Event, frozen=True, tag="job.queued"):
    job_id: int
    org_id: int
    kind: str  # "snapshot.render"
    subject: str  # the stream the job works on: "snapshot-7"


class JobStarted(Event, frozen=True, tag="job.started"):
    job_id: int
    attempt: int = 1


class JobCompleted(Event, frozen=True, tag="job.completed"):
    job_id: int


class JobFailed(Event, frozen=True, tag="job.failed"):
    job_id: int
    errors: dict[str, list[str]] = {}  # Librato's shape: {"chart": ["was deleted"]}


class JobCanceled(Event, frozen=True, tag="job.canceled"):
    job_id: int
    reason: str = ""


EVENTS = (JobQueued, JobStarted, JobCompleted, JobFailed, JobCanceled)
