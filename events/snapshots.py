"""Snapshots: a chart drawn once, for a fixed window, as a PNG with a public, unguessable
address. Stream: ``snapshot-N``; the job that renders it is ``job-N`` (the same N).

The PNG itself is not in the log (it is large): ``snapshot.rendered`` carries its SHA-256, and
the bytes sit in a content-addressed file under the data directory (``app/sharing/blobs.py``).
"""

from __future__ import annotations

from events.base import Event


class SnapshotCreated(Event, frozen=True, kw_only=True, tag="snapshot.created"):
    snapshot_id: int
    org_id: int
    chart_id: int
    kind: str  # line | stacked | bignumber: how the chart is drawn
    sources: tuple[str, ...] = ("*",)  # source globs the picture is limited to
    duration: int  # seconds
    end_time: float  # seconds since the epoch
    image_token: str  # the unguessable part of the image's public address (32 hex)
    job_id: int
    width: int = 600
    height: int = 300


class SnapshotRendered(Event, frozen=True, tag="snapshot.rendered"):
    snapshot_id: int
    sha256: str  # of the PNG bytes: the blob's name
    size: int
    width: int
    height: int


EVENTS = (SnapshotCreated, SnapshotRendered)
