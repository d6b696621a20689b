"""Librato legacy dashboards (``/v1/dashboards``), as ``librato-metrics`` 2.1.2 speaks them:
a dashboard of origin ``legacy`` whose tiles are instruments. Instruments go in as integer ids
(or objects with ``id``) and come back as ``[{"id", "href"}]``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import auth
from app.charts import commands
from app.errors import Invalid
from app.http import json_response, path_int, request_id, runtime
from app.librato.chart_streams import DASHBOARD_ORDER, chart_ids, name_of, of_origin
from app.librato.forms import body_params
from app.librato.pagination import paginate
from app.librato.routing import routes
from app.runtime import Runtime
from events.dashboards import Tile
from projections.dashboards import Dashboard


def dashboard_json(d: Dashboard) -> dict[str, Any]:
    instruments = [{"id": i, "href": f"/v1/instruments/{i}"} for i in d.chart_ids()]
    return {"id": d.id, "name": d.title, "instruments": instruments,
            "urls": {"self": f"/v1/dashboards/{d.id}"}}


def _find(request: web.Request, p: auth.Principal) -> Dashboard:
    return of_origin(commands.dashboards_view(runtime(request)).get, p.org_id, path_int(request, "id"), "legacy",
                     "dashboard")


def _tiles(rt: Runtime, org_id: int, raw: Any) -> tuple[Tile, ...]:
    ids = chart_ids(raw, "instruments")
    view = commands.charts_view(rt)
    for i in ids:
        chart = view.get(org_id, i)
        if chart is None or chart.origin != "instrument":
            raise Invalid(f"instrument {i} not found", field="instruments", reason="is invalid")
    return commands.chart_tiles(rt, org_id, ids, "instruments")


@routes.get("/v1/dashboards")
async def list_dashboards(request: web.Request) -> web.Response:
    """List legacy dashboards (paginated)."""
    p = auth.librato(request, "dashboard:read")
    mine = commands.dashboards_view(runtime(request)).of_org(p.org_id, "legacy")
    return paginate(request, "dashboards", mine, render=dashboard_json, orderby=DASHBOARD_ORDER)


@routes.post("/v1/dashboards")
async def create_dashboard(request: web.Request) -> web.Response:
    """Create a legacy dashboard: `name` and `instruments` (a list of instrument ids)."""
    p = auth.librato(request, "dashboard:write")
    body = await body_params(request)
    name = name_of(body)
    rt = runtime(request)
    tiles = _tiles(rt, p.org_id, body.get("instruments"))
    d = await commands.create_dashboard(rt, p.org_id, title=name, tiles=tiles, origin="legacy", actor=p.actor,
                                        request_id=request_id(request))
    return json_response(dashboard_json(d), status=201, headers={"Location": f"/v1/dashboards/{d.id}"})


@routes.get("/v1/dashboards/{id}")
async def get_dashboard(request: web.Request) -> web.Response:
    """Get one legacy dashboard with its instruments."""
    p = auth.librato(request, "dashboard:read")
    return json_response(dashboard_json(_find(request, p)))


@routes.put("/v1/dashboards/{id}")
async def update_dashboard(request: web.Request) -> web.Response:
    """Update a legacy dashboard: `name`, and `instruments` (replacing the list) when given."""
    p = auth.librato(request, "dashboard:write")
    d = _find(request, p)
    body = await body_params(request)
    rt = runtime(request)
    tiles = _tiles(rt, p.org_id, body["instruments"]) if "instruments" in body else None
    await commands.update_dashboard(rt, d, title=name_of(body, d.title), tiles=tiles, actor=p.actor,
                                    request_id=request_id(request))
    return web.Response(status=204)


@routes.delete("/v1/dashboards/{id}")
async def delete_dashboard(request: web.Request) -> web.Response:
    """Delete a legacy dashboard (its instruments stay)."""
    p = auth.librato(request, "dashboard:write")
    await commands.delete_dashboard(runtime(request), _find(request, p), with_charts=False, actor=p.actor,
                                    request_id=request_id(request))
    return web.Response(status=204)
