"""Commands on shares and snapshots: validate fully against the current views, then append.

Every dialect goes through these to make something public; none appends share, snapshot or job
events itself.
"""

from __future__ import annotations

import secrets
import string

from app.charts.commands import charts_view, dashboards_view
from app.runtime import Runtime
from events import jobs as jev
from events import shares as sev
from events import snapshots as snev
from events.base import Pending
from events.errors import ConcurrencyError
from projections.charts import Chart
from projections.dashboards import Dashboard
from projections.jobs import Jobs
from projections.shares import Share, Shares
from projections.snapshots import Snapshot, Snapshots

LIBRATO_TOKEN_ALPHABET = string.ascii_lowercase + string.digits
LIBRATO_TOKEN_LENGTH = 8
SNAPSHOT_JOB = "snapshot.render"


def shares_view(rt: Runtime) -> Shares:
    return rt["shares"]  # type: ignore[no-any-return]


def snapshots_view(rt: Runtime) -> Snapshots:
    return rt["snapshots"]  # type: ignore[no-any-return]


def jobs_view(rt: Runtime) -> Jobs:
    return rt["jobs"]  # type: ignore[no-any-return]


def target(rt: Runtime, share: Share) -> Chart | Dashboard | None:
    """What a share makes public: its chart or dashboard, or None once that is deleted (and for
    any other kind of target)."""
    if share.target_kind == "chart":
        return charts_view(rt).get(share.org_id, share.target_id)
    if share.target_kind == "dashboard":
        return dashboards_view(rt).get(share.org_id, share.target_id)
    return None


def librato_token() -> str:
    """8 lowercase letters and digits from the OS's CSPRNG (wire.md §3.7). An all-digit draw is
    drawn again, so a token never looks like an integer entity id (``share-12345678``)."""
    while True:
        token = "".join(secrets.choice(LIBRATO_TOKEN_ALPHABET) for _ in range(LIBRATO_TOKEN_LENGTH))
        if not token.isdigit():
            return token


async def create_share(rt: Runtime, org_id: int, *, dialect: str, target_kind: str, target_id: int, actor: str,
                       request_id: str = "") -> Share:
    """A new share with a fresh token. The token is the stream id and is appended at expected
    version 0, so the store itself guarantees that no two shares ever hold the same token."""
    for _ in range(20):
        token = librato_token()
        created = sev.ShareCreated(token=token, org_id=org_id, dialect=dialect, target_kind=target_kind,
                                   target_id=target_id)
        try:
            await rt.append([Pending(f"share-{token}", (created,), 0)], actor=actor, request_id=request_id)
        except ConcurrencyError as exc:
            if exc.stream != f"share-{token}":
                raise
            continue
        return shares_view(rt).get(token)  # type: ignore[return-value]
    raise ConcurrencyError("share-?", 0, -1)


async def revoke_share(rt: Runtime, share: Share, *, actor: str, request_id: str = "") -> None:
    await rt.append([Pending(f"share-{share.token}", (sev.ShareRevoked(token=share.token),), share.version)],
                    actor=actor, request_id=request_id)


async def create_snapshot(rt: Runtime, org_id: int, *, chart_id: int, kind: str, sources: tuple[str, ...],
                          duration: int, end_time: float, actor: str, request_id: str = "") -> Snapshot:
    """A snapshot and the job that renders it, in one atomic append: ``job-N`` and
    ``snapshot-N`` share their number (job numbers are allocated, and snapshots are only ever
    made here, so ``snapshot-N`` is free whenever ``job-N`` is)."""
    image_token = secrets.token_hex(16)

    def build(n: int) -> list[Pending]:
        return [
            Pending(f"job-{n}", (jev.JobQueued(job_id=n, org_id=org_id, kind=SNAPSHOT_JOB,
                                               subject=f"snapshot-{n}"),), 0),
            Pending(f"snapshot-{n}", (snev.SnapshotCreated(
                snapshot_id=n, org_id=org_id, chart_id=chart_id, kind=kind, sources=sources, duration=duration,
                end_time=end_time, image_token=image_token, job_id=n),), 0),
        ]

    n, _ = await rt.create("job", build, actor=actor, request_id=request_id)
    return snapshots_view(rt).by_id(n)  # type: ignore[return-value]
