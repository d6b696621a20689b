"""Commands on charts and dashboards: validate fully against the current views, then append.

Every dialect goes through these; none of them appends chart or dashboard events itself.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence

from app.errors import Invalid
from app.runtime import Runtime
from events import charts as cev
from events import dashboards as dev
from events.base import Pending
from events.charts import Scalar, SeriesRef
from events.dashboards import Tile, TimeSettings
from projections.charts import Chart, Charts
from projections.dashboards import Dashboard, Dashboards

KINDS = ("line", "stacked", "bignumber")
MAX_NAME = 255
MAX_SERIES = 100
MAX_TILES = 500
_UID_ALPHABET = string.ascii_lowercase + string.digits


def charts_view(rt: Runtime) -> Charts:
    return rt["charts"]  # type: ignore[no-any-return]


def dashboards_view(rt: Runtime) -> Dashboards:
    return rt["dashboards"]  # type: ignore[no-any-return]


def new_chart_uid() -> str:
    return secrets.token_hex(16)


def new_dashboard_uid() -> str:
    return "".join(secrets.choice(_UID_ALPHABET) for _ in range(9))


def check_chart(name: str, kind: str, series: Sequence[SeriesRef]) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["is not present"]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"is longer than {MAX_NAME} characters"]
    if kind not in KINDS:
        errors["type"] = ["is not one of line, stacked, bignumber"]
    if len(series) > MAX_SERIES:
        errors["streams"] = [f"has more than {MAX_SERIES} series"]
    if errors:
        field = next(iter(errors))
        raise Invalid(f"{field} {errors[field][0]}", field=field, reason=errors[field][0], errors=errors)


async def create_chart(rt: Runtime, org_id: int, *, name: str, kind: str = "line", series: Sequence[SeriesRef] = (),
                       attributes: Mapping[str, Scalar] | None = None, origin: str, dashboard: Dashboard | None = None,
                       tile: Tile | None = None, actor: str, request_id: str = "") -> Chart:
    """A new chart; when ``dashboard`` is given it gets a tile for it in the same atomic append."""
    check_chart(name, kind, series)
    uid = new_chart_uid()

    def build(n: int) -> list[Pending]:
        created = cev.ChartCreated(chart_id=n, uid=uid, org_id=org_id, name=name, kind=kind, series=tuple(series),
                                   attributes=dict(attributes or {}), origin=origin)
        batches = [Pending(f"chart-{n}", (created,), 0)]
        if dashboard is not None:
            placed = tile or next_tile(dashboard)
            batches.append(Pending(f"dashboard-{dashboard.id}", (dev.TileAdded(
                dashboard_id=dashboard.id, tile=Tile(kind="chart", chart_id=n, x=placed.x, y=placed.y, w=placed.w,
                                                     h=placed.h)),)))
        return batches

    chart_id, _ = await rt.create("chart", build, actor=actor, request_id=request_id)
    return charts_view(rt).by_id(chart_id)  # type: ignore[return-value]


async def update_chart(rt: Runtime, chart: Chart, *, name: str, kind: str, series: Sequence[SeriesRef],
                       attributes: Mapping[str, Scalar], actor: str, request_id: str = "") -> Chart:
    check_chart(name, kind, series)
    event = cev.ChartUpdated(chart_id=chart.id, name=name, kind=kind, series=tuple(series),
                             attributes=dict(attributes))
    await rt.append([Pending(f"chart-{chart.id}", (event,), chart.version)], actor=actor, request_id=request_id)
    return charts_view(rt).by_id(chart.id)  # type: ignore[return-value]


async def delete_chart(rt: Runtime, chart: Chart, *, actor: str, request_id: str = "") -> None:
    """Delete a chart and, in the same append, take it off every dashboard that shows it."""
    batches = [Pending(f"chart-{chart.id}", (cev.ChartDeleted(chart_id=chart.id),), chart.version)]
    for dash in dashboards_view(rt).holding(chart.org_id, chart.id):
        batches.append(Pending(f"dashboard-{dash.id}", (dev.TileRemoved(dashboard_id=dash.id, chart_id=chart.id),)))
    await rt.append(batches, actor=actor, request_id=request_id)


def grid_tile(n: int, chart_id: int | None = None, w: int = 6, h: int = 4) -> Tile:
    """The n-th (from 0) cell of a two-column grid (12 units wide), filled row by row."""
    return Tile(kind="chart", chart_id=chart_id, x=(n % 2) * w, y=(n // 2) * h, w=w, h=h)


def next_tile(dashboard: Dashboard, w: int = 6, h: int = 4) -> Tile:
    """The next free cell of a two-column grid (12 units wide), below the tiles already there."""
    return grid_tile(len(dashboard.tiles), w=w, h=h)


def check_dashboard(title: str, tiles: Sequence[Tile] | None) -> None:
    if not title.strip():
        raise Invalid("name is not present", field="name", reason="is not present")
    if len(title) > MAX_NAME:
        raise Invalid(f"name is longer than {MAX_NAME} characters", field="name", reason="is too long")
    if tiles is not None and len(tiles) > MAX_TILES:
        raise Invalid(f"more than {MAX_TILES} tiles", field="tiles", reason="is too long")


def chart_tiles(rt: Runtime, org_id: int, chart_ids: Sequence[int], field: str) -> tuple[Tile, ...]:
    """Tiles for these charts of the organization, laid out two per row; unknown ids are Invalid."""
    view = charts_view(rt)
    missing = [i for i in chart_ids if view.get(org_id, i) is None]
    if missing:
        raise Invalid(f"{field} {missing[0]} not found", field=field, reason="is invalid")
    return tuple(grid_tile(n, chart_id) for n, chart_id in enumerate(dict.fromkeys(chart_ids)))


async def create_dashboard(rt: Runtime, org_id: int, *, title: str, description: str = "", tags: Sequence[str] = (),
                           folder: str | None = None, time: TimeSettings | None = None, tiles: Sequence[Tile] = (),
                           origin: str, attributes: Mapping[str, Scalar] | None = None, actor: str,
                           request_id: str = "") -> Dashboard:
    check_dashboard(title, tiles)
    uid = new_dashboard_uid()
    dash_id, _ = await rt.create("dashboard", lambda n: [Pending(f"dashboard-{n}", (dev.DashboardCreated(
        dashboard_id=n, uid=uid, org_id=org_id, title=title, description=description, tags=tuple(tags),
        folder=folder, time=time or TimeSettings(), tiles=tuple(tiles), origin=origin,
        attributes=dict(attributes or {})),), 0)],
        actor=actor, request_id=request_id)
    return dashboards_view(rt).get(org_id, dash_id)  # type: ignore[return-value]


async def update_dashboard(rt: Runtime, dash: Dashboard, *, title: str, description: str | None = None,
                           tags: Sequence[str] | None = None, folder: str | None = None,
                           time: TimeSettings | None = None, tiles: Sequence[Tile] | None = None,
                           attributes: Mapping[str, Scalar] | None = None, actor: str,
                           request_id: str = "") -> Dashboard:
    """Replace the given fields; None keeps the current value."""
    check_dashboard(title, tiles)
    event = dev.DashboardUpdated(dashboard_id=dash.id, title=title,
                                 description=dash.description if description is None else description,
                                 tags=dash.tags if tags is None else tuple(tags),
                                 folder=dash.folder if folder is None else folder,
                                 time=dash.time if time is None else time,
                                 tiles=None if tiles is None else tuple(tiles),
                                 attributes=None if attributes is None else dict(attributes))
    await rt.append([Pending(f"dashboard-{dash.id}", (event,), dash.version)], actor=actor, request_id=request_id)
    return dashboards_view(rt).get(dash.org_id, dash.id)  # type: ignore[return-value]


async def delete_dashboard(rt: Runtime, dash: Dashboard, *, with_charts: bool, actor: str,
                           request_id: str = "") -> None:
    """Delete a dashboard; with ``with_charts`` (a Librato space) its charts go too, atomically."""
    batches = [Pending(f"dashboard-{dash.id}", (dev.DashboardDeleted(dashboard_id=dash.id),), dash.version)]
    if with_charts:
        view = charts_view(rt)
        # the organization's other dashboards (in id order) and their charts, listed once
        others = [(d.id, set(d.chart_ids())) for d in dashboards_view(rt).of_org(dash.org_id) if d.id != dash.id]
        for chart_id in dict.fromkeys(dash.chart_ids()):
            chart = view.get(dash.org_id, chart_id)
            if chart is None:
                continue
            batches.append(Pending(f"chart-{chart.id}", (cev.ChartDeleted(chart_id=chart.id),), chart.version))
            for other_id, shown in others:
                if chart.id in shown:
                    batches.append(Pending(f"dashboard-{other_id}",
                                           (dev.TileRemoved(dashboard_id=other_id, chart_id=chart.id),)))
    await rt.append(batches, actor=actor, request_id=request_id)
