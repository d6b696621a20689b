"""The job runner: executes queued jobs in the background, a few at a time.

Its work list is the ``jobs`` view (queued and working jobs), not an in-memory queue, so a job
that was queued or working when the process died is simply found again at the next start and
completes then. Handlers that queue a job call ``wake()``; the runner also looks every few
seconds, for jobs another process appended. Drawing happens in executor threads; only the
reads of the views and the appends run on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web

from app.http import CONFIG, RUNTIME
from app.charts.render import TooBusy
from app.errors import Invalid
from app.runtime import Runtime
from app.sharing import render
from app.sharing.blobs import Blobs
from app.sharing.commands import SNAPSHOT_JOB, jobs_view, snapshots_view
from app.sharing.librato_params import Errors
from app.charts.commands import charts_view
from events import jobs as jev
from events import snapshots as snev
from events.base import Event, Pending
from events.errors import ConcurrencyError, StoreClosed
from projections.jobs import ACTIVE, Job

log = logging.getLogger("broadsheet.jobs")

CONCURRENCY = 2  # jobs drawn at once: the PNG step holds a CPU each
LOOK_EVERY = 5.0  # seconds between looks for jobs that no wake() announced
ACTOR = "system:jobs"


class JobRunner:
    def __init__(self, rt: Runtime, blobs: Blobs, concurrency: int = CONCURRENCY) -> None:
        self.rt = rt
        self.blobs = blobs
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._running: dict[int, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._kinds: dict[str, Callable[[Job], Awaitable[Errors | None]]] = {SNAPSHOT_JOB: self._snapshot}

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def drained(self) -> None:
        """Return once no job is queued or working (tests and the benchmark wait on this)."""
        while jobs_view(self.rt).active() or self._running:
            self._idle.clear()
            self.wake()
            await self._idle.wait()

    async def run(self) -> None:
        while True:
            self._fill()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LOOK_EVERY)
            self._wake.clear()

    def _fill(self) -> None:
        for job in jobs_view(self.rt).active():
            if len(self._running) >= self.concurrency:
                return
            if job.id not in self._running:
                self._running[job.id] = asyncio.get_running_loop().create_task(self._execute(job.id))
        if not self._running:
            self._idle.set()

    async def stop(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _execute(self, job_id: int) -> None:
        try:
            await self._attempt(job_id)
        except (StoreClosed, ConcurrencyError, TooBusy) as exc:
            log.warning("job %d left for later: %s", job_id, exc)
            if isinstance(exc, TooBusy):  # not at once again: each try is an event
                await asyncio.sleep(LOOK_EVERY)
        except Exception:
            log.exception("job %d: the runner failed", job_id)
        finally:
            self._running.pop(job_id, None)
            self._wake.set()

    async def _attempt(self, job_id: int) -> None:
        job = jobs_view(self.rt).by_id(job_id)
        if job is None or job.state not in ACTIVE:
            return
        await self._append(job, jev.JobStarted(job_id=job.id, attempt=job.attempts + 1))
        job = self._job(job_id)
        do = self._kinds.get(job.kind)
        try:
            errors = await do(job) if do is not None else {"kind": [f"{job.kind} is not a known job"]}
        except (StoreClosed, ConcurrencyError, TooBusy):
            raise  # not the job's fault: it stays owed and runs again
        except Invalid as exc:
            errors = {exc.field or "job": [exc.message]}
        except Exception as exc:  # noqa: BLE001 - the job fails with its reason; the server goes on
            log.exception("job %d failed", job.id)
            errors = {"job": [f"{type(exc).__name__}: {exc}"]}
        if errors:
            await self._append(self._job(job_id), jev.JobFailed(job_id=job_id, errors=errors))

    def _job(self, job_id: int) -> Job:
        job = jobs_view(self.rt).by_id(job_id)
        if job is None:
            raise LookupError(f"job {job_id} left the jobs view")
        return job

    async def _append(self, job: Job, event: Event) -> None:
        await self.rt.append([Pending(f"job-{job.id}", (event,), job.version)], actor=ACTOR)

    async def _snapshot(self, job: Job) -> Errors | None:
        snap = snapshots_view(self.rt).by_id(int(job.subject.partition("-")[2]))
        if snap is None:
            return {"subject": [f"{job.subject} does not exist"]}
        chart = charts_view(self.rt).get(snap.org_id, snap.chart_id)
        if chart is None:
            return {"chart": [f"chart {snap.chart_id} was deleted before it could be drawn"]}
        png = await render.snapshot_png(self.rt, render.as_asked(chart, snap.kind, snap.sources),
                                        snap.end_time - snap.duration, snap.end_time, snap.width, snap.height)
        sha = await asyncio.get_running_loop().run_in_executor(None, self.blobs.put, png)
        rendered = snev.SnapshotRendered(snapshot_id=snap.id, sha256=sha, size=len(png), width=snap.width,
                                         height=snap.height)
        await self.rt.append([Pending(f"snapshot-{snap.id}", (rendered,)),
                              Pending(f"job-{job.id}", (jev.JobCompleted(job_id=job.id),), job.version)], actor=ACTOR)
        return None


RUNNER: web.AppKey[JobRunner] = web.AppKey("sharing.jobs", JobRunner)
BLOBS: web.AppKey[Blobs] = web.AppKey("sharing.blobs", Blobs)
RENDERS: web.AppKey[render.PublicRenders] = web.AppKey("sharing.public_renders", render.PublicRenders)


async def job_runner(app: web.Application) -> AsyncIterator[None]:
    """The runner's lifetime (and the public renders'): after the runtime is open, and
    stopped before it closes. Jobs cut short by the stop stay ``working`` in the log and run
    again at the next start."""
    blobs = Blobs(Path(app[CONFIG].data_dir) / "blobs")
    runner = JobRunner(app[RUNTIME], blobs)
    app[BLOBS] = blobs
    app[RUNNER] = runner
    app[RENDERS] = render.PublicRenders()
    task = asyncio.get_running_loop().create_task(runner.run(), name="jobs")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await runner.stop()
