"""Dashboards: one model for Librato spaces and legacy dashboards (and later PostHog and
Grafana dashboards). Stream: ``dashboard-N``.

A dashboard has an integer id and a short uid, a title, a description, tags, a folder, time
settings and tiles, each a chart (by integer id) or a text, placed on a grid. Tiles are added and
removed by their own events so that adding a chart to a space needs no read-modify-write of the
whole dashboard (and two concurrent adds never conflict).
"""

from __future__ import annotations

import msgspec

from events.base import Event
from events.charts import Scalar


class TimeSettings(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    start: str | None = None  # e.g. "-24h", or an ISO time
    end: str | None = None  # e.g. "now"
    refresh: str | None = None  # e.g. "1m"
    timezone: str | None = None


class Tile(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A chart (``chart_id``) or a text (``text``) at grid cell (x, y) spanning w x h."""

    kind: str = "chart"  # chart | text
    chart_id: int | None = None
    text: str = ""
    x: int = 0
    y: int = 0
    w: int = 6
    h: int = 4


class DashboardCreated(Event, frozen=True, tag="dashboard.created"):
    dashboard_id: int
    uid: str
    org_id: int
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    folder: str | None = None
    time: TimeSettings = TimeSettings()
    tiles: tuple[Tile, ...] = ()
    origin: str = "space"  # space | legacy
    attributes: dict[str, Scalar] = {}  # dialect options, e.g. a Librato space's "tags" flag


class DashboardUpdated(Event, frozen=True, tag="dashboard.updated"):
    """Title, description, tags, folder and time replaced wholesale; tiles too when given."""

    dashboard_id: int
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    folder: str | None = None
    time: TimeSettings = TimeSettings()
    tiles: tuple[Tile, ...] | None = None  # None: keep the tiles as they are
    attributes: dict[str, Scalar] | None = None  # None: keep them


class TileAdded(Event, frozen=True, tag="dashboard.tile_added"):
    dashboard_id: int
    tile: Tile


class TileRemoved(Event, frozen=True, tag="dashboard.tile_removed"):
    """Every tile showing ``chart_id`` leaves the dashboard."""

    dashboard_id: int
    chart_id: int


class DashboardDeleted(Event, frozen=True, tag="dashboard.deleted"):
    dashboard_id: int


EVENTS = (DashboardCreated, DashboardUpdated, TileAdded, TileRemoved, DashboardDeleted)
