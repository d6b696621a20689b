"""Librato spaces and their charts (``/v1/spaces``, ``/v1/spaces/:id/charts``), as
``librato-metrics`` 3.1.0 speaks them. A space is a dashboard of origin ``space``; each of its
charts is a chart of origin ``space`` shown by one tile of it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import auth
from app.charts import commands
from app.errors import Invalid, NotFound
from app.http import json_response, path_int, request_id, runtime
from app.librato.chart_streams import DASHBOARD_ORDER, name_of, of_origin, parse_streams, streams_json, truthy
from app.librato.forms import body_params
from app.librato.pagination import paginate
from app.librato.routing import routes
from events.charts import Scalar
from projections.charts import Chart
from projections.dashboards import Dashboard

# The chart options Librato documents (wire.md §3.6, librato-metrics create_chart).
_CHART_OPTIONS = {"min": float, "max": float, "label": str, "use_log_yaxis": bool, "use_last_value": bool,
                  "related_space": int, "format": str, "enable_format": bool}


def space_json(rt_charts: Any, d: Dashboard) -> dict[str, Any]:
    charts = []
    for chart_id in d.chart_ids():
        c = rt_charts.get(d.org_id, chart_id)
        if c is not None:
            charts.append({"id": c.id, "name": c.name, "type": c.kind})
    return {"id": d.id, "name": d.title, "tags": bool(d.attributes.get("tags", False)), "charts": charts}


def chart_json(c: Chart) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "type": c.kind, "streams": streams_json(c), **c.attributes}


def _space(request: web.Request, p: auth.Principal) -> Dashboard:
    return of_origin(commands.dashboards_view(runtime(request)).get, p.org_id, path_int(request, "id"), "space",
                     "space")


def _chart(request: web.Request, p: auth.Principal, space: Dashboard) -> Chart:
    chart_id = path_int(request, "chart_id")
    chart = commands.charts_view(runtime(request)).get(p.org_id, chart_id)
    if chart is None or chart_id not in space.chart_ids():
        raise NotFound(f"chart {chart_id} not found in space {space.id}")
    return chart


def _options(body: dict[str, Any], current: dict[str, Scalar]) -> dict[str, Scalar]:
    out = dict(current)
    for key, kind in _CHART_OPTIONS.items():
        if key not in body:
            continue
        value = body[key]
        if value is None or value == "":
            out.pop(key, None)
            continue
        try:
            out[key] = truthy(value) if kind is bool else kind(value)
        except (TypeError, ValueError):
            raise Invalid(f"{key} is invalid", field=key, reason="is invalid") from None
    return out


def _type(body: dict[str, Any], current: str = "line") -> str:
    kind = body.get("type", current)
    if kind not in commands.KINDS:
        raise Invalid("type must be line, stacked or bignumber", field="type", reason="is not a valid chart type")
    return str(kind)


# -- spaces ------------------------------------------------------------------------------------

@routes.get("/v1/spaces")
async def list_spaces(request: web.Request) -> web.Response:
    """List spaces (paginated; `name` filters by substring, case-insensitive)."""
    p = auth.librato(request, "dashboard:read")
    rt = runtime(request)
    mine = commands.dashboards_view(rt).of_org(p.org_id, "space")
    needle = request.query.get("name", "").lower()
    found = [d for d in mine if needle in d.title.lower()]
    charts = commands.charts_view(rt)
    return paginate(request, "spaces", found, total=len(mine), render=lambda d: space_json(charts, d),
                    orderby=DASHBOARD_ORDER)


@routes.post("/v1/spaces")
async def create_space(request: web.Request) -> web.Response:
    """Create a space: `name`, optional `tags` (boolean)."""
    p = auth.librato(request, "dashboard:write")
    body = await body_params(request)
    name = name_of(body)
    rt = runtime(request)
    d = await commands.create_dashboard(rt, p.org_id, title=name, origin="space",
                                        attributes={"tags": truthy(body.get("tags", False))},
                                        actor=p.actor, request_id=request_id(request))
    return json_response(space_json(commands.charts_view(rt), d), status=201,
                         headers={"Location": f"/v1/spaces/{d.id}"})


@routes.get("/v1/spaces/{id}")
async def get_space(request: web.Request) -> web.Response:
    """Get one space with the ids of its charts."""
    p = auth.librato(request, "dashboard:read")
    return json_response(space_json(commands.charts_view(runtime(request)), _space(request, p)))


@routes.put("/v1/spaces/{id}")
async def update_space(request: web.Request) -> web.Response:
    """Rename a space (and set its `tags` flag)."""
    p = auth.librato(request, "dashboard:write")
    d = _space(request, p)
    body = await body_params(request)
    attributes = {**d.attributes, "tags": truthy(body["tags"])} if "tags" in body else None
    await commands.update_dashboard(runtime(request), d, title=name_of(body, d.title), attributes=attributes,
                                    actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


@routes.delete("/v1/spaces/{id}")
async def delete_space(request: web.Request) -> web.Response:
    """Delete a space and its charts."""
    p = auth.librato(request, "dashboard:write")
    await commands.delete_dashboard(runtime(request), _space(request, p), with_charts=True, actor=p.actor,
                                    request_id=request_id(request))
    return web.Response(status=204)


# -- charts of a space ---------------------------------------------------------------------------

@routes.get("/v1/spaces/{id}/charts")
async def list_space_charts(request: web.Request) -> web.Response:
    """The charts of a space, as a bare JSON array (what the client expects)."""
    p = auth.librato(request, "charts:read")
    d = _space(request, p)
    view = commands.charts_view(runtime(request))
    charts = [c for c in (view.get(p.org_id, i) for i in d.chart_ids()) if c is not None]
    return json_response([chart_json(c) for c in charts])


@routes.post("/v1/spaces/{id}/charts")
async def create_space_chart(request: web.Request) -> web.Response:
    """Add a chart to a space: `name`, `type` (line, stacked, bignumber), `streams`, axis options."""
    p = auth.librato(request, "charts:write")
    d = _space(request, p)
    body = await body_params(request)
    name, kind = name_of(body), _type(body)
    series = parse_streams(body.get("streams"))
    chart = await commands.create_chart(runtime(request), p.org_id, name=name, kind=kind, series=series,
                                        attributes=_options(body, {}), origin="space", dashboard=d, actor=p.actor,
                                        request_id=request_id(request))
    return json_response(chart_json(chart), status=201,
                         headers={"Location": f"/v1/spaces/{d.id}/charts/{chart.id}"})


@routes.get("/v1/spaces/{id}/charts/{chart_id}")
async def get_space_chart(request: web.Request) -> web.Response:
    """Get one chart of a space."""
    p = auth.librato(request, "charts:read")
    return json_response(chart_json(_chart(request, p, _space(request, p))))


@routes.put("/v1/spaces/{id}/charts/{chart_id}")
async def update_space_chart(request: web.Request) -> web.Response:
    """Update a chart of a space; `streams`, when given, replace the old ones."""
    p = auth.librato(request, "charts:write")
    chart = _chart(request, p, _space(request, p))
    body = await body_params(request)
    series = parse_streams(body["streams"], chart) if "streams" in body else chart.series
    await commands.update_chart(runtime(request), chart, name=name_of(body, chart.name), kind=_type(body, chart.kind),
                                series=series, attributes=_options(body, chart.attributes), actor=p.actor,
                                request_id=request_id(request))
    return web.Response(status=204)


@routes.delete("/v1/spaces/{id}/charts/{chart_id}")
async def delete_space_chart(request: web.Request) -> web.Response:
    """Delete a chart of a space."""
    p = auth.librato(request, "charts:write")
    chart = _chart(request, p, _space(request, p))
    await commands.delete_chart(runtime(request), chart, actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)
