"""Charts as they stand now (view ``charts``), and the pure fold that gets them there.

Lookups the dialects and the public render path need are O(1): by integer id, by 32-hex uid,
and an organization's charts in id order.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import charts as ev
from events.base import Envelope, Event
from events.charts import Scalar, SeriesRef
from projections.entities import keep, of_org


class Chart(msgspec.Struct, kw_only=True):
    id: int
    uid: str
    org_id: int
    name: str
    kind: str
    series: tuple[SeriesRef, ...] = ()
    attributes: dict[str, Scalar] = {}
    origin: str = "m2x"
    version: int = 1  # the chart stream's version: part of every render's ETag
    created_at: int = 0  # microseconds since the epoch
    updated_at: int = 0
    deleted: bool = False


def evolve_chart(state: Chart | None, e: Event, at: int) -> Chart | None:
    match e:
        case ev.ChartCreated():
            return Chart(id=e.chart_id, uid=e.uid, org_id=e.org_id, name=e.name, kind=e.kind, series=e.series,
                         attributes=dict(e.attributes), origin=e.origin, created_at=at, updated_at=at)
        case ev.ChartUpdated() if state:
            return msgspec.structs.replace(state, name=e.name, kind=e.kind, series=e.series,
                                           attributes=dict(e.attributes), version=state.version + 1, updated_at=at)
        case ev.ChartDeleted() if state:
            return msgspec.structs.replace(state, deleted=True, version=state.version + 1, updated_at=at)
    return state


class ChartsState(msgspec.Struct):
    charts: dict[int, Chart] = {}


class Charts:
    """The ``charts`` view. Deleted charts leave the view (their uid is never reused)."""

    name = "charts"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, ChartsState) if data else ChartsState()
        self.by_uid = {c.uid: c for c in self.state.charts.values()}

    def dump(self) -> ChartsState:
        return self.state

    def handlers(self) -> dict[type[Event], Any]:
        return {ev.ChartCreated: self._apply, ev.ChartUpdated: self._apply, ev.ChartDeleted: self._apply}

    def _apply(self, env: Envelope, e: Any) -> None:
        keep(self.state.charts, self.by_uid, evolve_chart(self.state.charts.get(e.chart_id), e, env.recorded_at))

    # -- queries -----------------------------------------------------------------------------

    def get(self, org_id: int, chart_id: int) -> Chart | None:
        """A chart of this organization by integer id, or None."""
        chart = self.state.charts.get(chart_id)
        return chart if chart is not None and chart.org_id == org_id else None

    def by_id(self, chart_id: int) -> Chart | None:
        """Any organization's chart: for the caller that must tell 'not yours' from 'none'."""
        return self.state.charts.get(chart_id)

    def by_uid_any(self, uid: str) -> Chart | None:
        return self.by_uid.get(uid)

    def of_org(self, org_id: int, origin: str | None = None) -> list[Chart]:
        """An organization's charts in id order, optionally of one origin."""
        return of_org(self.state.charts, org_id, origin)
