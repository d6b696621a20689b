"""Snapshots as they stand now (view ``snapshots``): by id for the API, and by image token for
the public image address (O(1))."""

from __future__ import annotations

from typing import Any

import msgspec

from events import snapshots as ev
from events.base import Envelope, Event


class Snapshot(msgspec.Struct, kw_only=True):
    id: int
    org_id: int
    chart_id: int
    kind: str
    sources: tuple[str, ...]
    duration: int
    end_time: float
    image_token: str
    job_id: int
    width: int = 600
    height: int = 300
    sha256: str | None = None  # set once rendered
    size: int = 0
    created_at: int = 0
    updated_at: int = 0


def evolve_snapshot(state: Snapshot | None, e: Event, at: int) -> Snapshot | None:
    match e:
        case ev.SnapshotCreated():
            return Snapshot(id=e.snapshot_id, org_id=e.org_id, chart_id=e.chart_id, kind=e.kind, sources=e.sources,
                            duration=e.duration, end_time=e.end_time, image_token=e.image_token, job_id=e.job_id,
                            width=e.width, height=e.height, created_at=at, updated_at=at)
        case ev.SnapshotRendered() if state:
            return msgspec.structs.replace(state, sha256=e.sha256, size=e.size, width=e.width, height=e.height,
                                           updated_at=at)
    return state


class SnapshotsState(msgspec.Struct):
    snapshots: dict[int, Snapshot] = {}


class Snapshots:
    """The ``snapshots`` view."""

    name = "snapshots"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, SnapshotsState) if data else SnapshotsState()
        self.by_image = {s.image_token: s for s in self.state.snapshots.values()}

    def dump(self) -> SnapshotsState:
        return SnapshotsState(dict(sorted(self.state.snapshots.items())))

    def handlers(self) -> dict[type[Event], Any]:
        return {t: self._apply for t in ev.EVENTS}

    def _apply(self, env: Envelope, e: Any) -> None:
        snap = evolve_snapshot(self.state.snapshots.get(e.snapshot_id), e, env.recorded_at)
        if snap is not None:
            self.state.snapshots[snap.id] = snap
            self.by_image[snap.image_token] = snap

    def get(self, org_id: int, snapshot_id: int) -> Snapshot | None:
        snap = self.state.snapshots.get(snapshot_id)
        return snap if snap is not None and snap.org_id == org_id else None

    def by_id(self, snapshot_id: int) -> Snapshot | None:
        return self.state.snapshots.get(snapshot_id)

    def by_image_token(self, token: str) -> Snapshot | None:
        return self.by_image.get(token)

