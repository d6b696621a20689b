"""The pure parts of sharing, without a server: token draws, the folds of shares, snapshots and
jobs, and what the views answer."""

from __future__ import annotations

import string

import msgspec

from app.sharing.commands import librato_token
from events import jobs as jev
from events import shares as sev
from events import snapshots as snev
from events.base import Envelope
from projections.jobs import Jobs, evolve_job
from projections.shares import Shares, evolve_share
from projections.snapshots import Snapshots, evolve_snapshot


def envelope(position: int, stream: str, event: object) -> Envelope:
    return Envelope(position=position, stream=stream, version=1, type="", recorded_at=position * 1000, actor="t",
                    request_id="", event=event)  # type: ignore[arg-type]


def test_librato_tokens_are_8_lowercase_letters_and_digits_never_all_digits():
    drawn = {librato_token() for _ in range(5000)}
    assert len(drawn) == 5000
    assert all(len(t) == 8 and set(t) <= set(string.ascii_lowercase + string.digits) and not t.isdigit()
               for t in drawn)
    assert set("".join(drawn)) == set(string.ascii_lowercase + string.digits)  # every character is drawn


def test_share_fold():
    created = sev.ShareCreated(token="abcd1234", org_id=1, dialect="librato", target_kind="chart", target_id=7)
    share = evolve_share(None, created, 10)
    assert share is not None and share.live(11) and (share.version, share.created_at) == (1, 10)
    revoked = evolve_share(share, sev.ShareRevoked(token="abcd1234"), 20)
    assert revoked is not None and revoked.revoked and not revoked.live(21) and revoked.version == 2
    assert share.revoked is False  # the fold never writes to its input
    expiring = msgspec.structs.replace(share, expires_at=100)
    assert expiring.live(99) and not expiring.live(100)
    assert evolve_share(None, sev.ShareRevoked(token="x"), 1) is None


def test_shares_view_resolves_a_token_until_it_is_revoked():
    view = Shares()
    created = sev.ShareCreated(token="abcd1234", org_id=1, dialect="librato", target_kind="chart", target_id=7)
    view._apply(envelope(1, "share-abcd1234", created), created)
    assert view.get("abcd1234") is not None and [s.token for s in view.list(1, "librato")] == ["abcd1234"]
    assert view.list(2, "librato") == [] and view.list(1, "posthog") == []
    again = Shares()
    again.load(msgspec.msgpack.decode(msgspec.msgpack.encode(view.dump())))
    assert msgspec.to_builtins(again.dump()) == msgspec.to_builtins(view.dump())
    view._apply(envelope(2, "share-abcd1234", sev.ShareRevoked(token="abcd1234")), sev.ShareRevoked(token="abcd1234"))
    assert view.get("abcd1234") is None and view.list(1, "librato") == []


def test_job_fold_and_the_work_still_owed():
    queued = jev.JobQueued(job_id=3, org_id=1, kind="snapshot.render", subject="snapshot-3")
    job = evolve_job(None, queued, 1)
    assert job is not None and (job.state, job.progress, job.attempts) == ("queued", 0.0, 0)
    working = evolve_job(job, jev.JobStarted(job_id=3, attempt=1), 2)
    assert working is not None and working.state == "working" and working.version == 2
    done = evolve_job(working, jev.JobCompleted(job_id=3), 3)
    assert done is not None and (done.state, done.progress) == ("complete", 100.0)
    failed = evolve_job(working, jev.JobFailed(job_id=3, errors={"chart": ["was deleted"]}), 3)
    assert failed is not None and failed.state == "failed" and failed.errors == {"chart": ["was deleted"]}
    assert evolve_job(job, jev.JobCanceled(job_id=3), 3).state == "canceled"  # type: ignore[union-attr]

    view = Jobs()
    for pos, ev in enumerate([jev.JobQueued(job_id=5, org_id=1, kind="k", subject="s-5"),
                              jev.JobQueued(job_id=4, org_id=1, kind="k", subject="s-4"),
                              jev.JobQueued(job_id=6, org_id=2, kind="k", subject="s-6"),
                              jev.JobStarted(job_id=4), jev.JobCompleted(job_id=5)], start=1):
        view._apply(envelope(pos, f"job-{ev.job_id}", ev), ev)
    assert [(j.id, j.state) for j in view.active()] == [(4, "working"), (6, "queued")]
    assert view.get(1, 6) is None and view.get(2, 6) is not None
    restored = Jobs()
    restored.load(msgspec.msgpack.decode(msgspec.msgpack.encode(view.dump())))
    assert [j.id for j in restored.active()] == [4, 6]


def test_snapshot_fold_and_image_lookup():
    created = snev.SnapshotCreated(snapshot_id=2, org_id=1, chart_id=9, kind="line", duration=60, end_time=1e9,
                                   image_token="f" * 32, job_id=2)
    snap = evolve_snapshot(None, created, 5)
    assert snap is not None and snap.sha256 is None and snap.sources == ("*",)
    rendered = snev.SnapshotRendered(snapshot_id=2, sha256="a" * 64, size=10, width=600, height=300)
    done = evolve_snapshot(snap, rendered, 6)
    assert done is not None and done.sha256 == "a" * 64 and done.updated_at == 6 and snap.sha256 is None
    view = Snapshots()
    view._apply(envelope(1, "snapshot-2", created), created)
    view._apply(envelope(2, "snapshot-2", rendered), rendered)
    assert view.by_image_token("f" * 32).sha256 == "a" * 64  # type: ignore[union-attr]
    assert view.get(2, 2) is None and view.by_image_token("0" * 32) is None
