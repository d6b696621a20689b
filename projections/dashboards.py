"""Dashboards as they stand now (view ``dashboards``), and the pure fold that gets them there."""

from __future__ import annotations

from typing import Any

import msgspec

from events import dashboards as ev
from events.base import Envelope, Event
from events.charts import Scalar
from events.dashboards import Tile, TimeSettings
from projections.entities import keep, of_org


class Dashboard(msgspec.Struct, kw_only=True):
    id: int
    uid: str
    org_id: int
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    folder: str | None = None
    time: TimeSettings = TimeSettings()
    tiles: tuple[Tile, ...] = ()
    origin: str = "space"
    attributes: dict[str, Scalar] = {}
    version: int = 1
    created_at: int = 0
    updated_at: int = 0
    deleted: bool = False

    def chart_ids(self) -> list[int]:
        return [t.chart_id for t in self.tiles if t.kind == "chart" and t.chart_id is not None]


def evolve_dashboard(state: Dashboard | None, e: Event, at: int) -> Dashboard | None:
    match e:
        case ev.DashboardCreated():
            return Dashboard(id=e.dashboard_id, uid=e.uid, org_id=e.org_id, title=e.title, description=e.description,
                             tags=e.tags, folder=e.folder, time=e.time, tiles=e.tiles, origin=e.origin,
                             attributes=dict(e.attributes), created_at=at, updated_at=at)
        case ev.DashboardUpdated() if state:
            tiles = state.tiles if e.tiles is None else e.tiles
            attributes = state.attributes if e.attributes is None else dict(e.attributes)
            return msgspec.structs.replace(state, title=e.title, attributes=attributes,
                                           description=e.description, tags=e.tags,
                                           folder=e.folder, time=e.time, tiles=tiles, version=state.version + 1,
                                           updated_at=at)
        case ev.TileAdded() if state:
            return msgspec.structs.replace(state, tiles=(*state.tiles, e.tile), version=state.version + 1,
                                           updated_at=at)
        case ev.TileRemoved() if state:
            tiles = tuple(t for t in state.tiles if t.chart_id != e.chart_id)
            return msgspec.structs.replace(state, tiles=tiles, version=state.version + 1, updated_at=at)
        case ev.DashboardDeleted() if state:
            return msgspec.structs.replace(state, deleted=True, version=state.version + 1, updated_at=at)
    return state


class DashboardsState(msgspec.Struct):
    dashboards: dict[int, Dashboard] = {}


class Dashboards:
    """The ``dashboards`` view: by integer id, by uid, an organization's in id order."""

    name = "dashboards"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, DashboardsState) if data else DashboardsState()
        self.by_uid = {d.uid: d for d in self.state.dashboards.values()}

    def dump(self) -> DashboardsState:
        return self.state

    def handlers(self) -> dict[type[Event], Any]:
        return {t: self._apply for t in ev.EVENTS}

    def _apply(self, env: Envelope, e: Any) -> None:
        keep(self.state.dashboards, self.by_uid,
             evolve_dashboard(self.state.dashboards.get(e.dashboard_id), e, env.recorded_at))

    # -- queries -----------------------------------------------------------------------------

    def get(self, org_id: int, dashboard_id: int) -> Dashboard | None:
        d = self.state.dashboards.get(dashboard_id)
        return d if d is not None and d.org_id == org_id else None

    def by_uid_any(self, uid: str) -> Dashboard | None:
        return self.by_uid.get(uid)

    def of_org(self, org_id: int, origin: str | None = None) -> list[Dashboard]:
        return of_org(self.state.dashboards, org_id, origin)

    def holding(self, org_id: int, chart_id: int) -> list[Dashboard]:
        """The dashboards of this organization with a tile showing this chart."""
        return [d for d in self.of_org(org_id) if chart_id in d.chart_ids()]
