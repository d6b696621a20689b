"""Librato instruments (wire.md §3.6): legacy charts of streams, ``/v1/instruments``.

An instrument is a chart of origin ``instrument``; its ``attributes`` (``display_stacked``...)
are the chart's attributes, and ``display_stacked`` makes it a stacked chart.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import auth
from app.charts import commands
from app.http import json_response, path_int, request_id, runtime
from app.librato.chart_streams import name_of, of_origin, parse_streams, scalars, streams_json, truthy
from app.librato.forms import body_params
from app.librato.pagination import paginate
from app.librato.routing import routes
from app.times import iso_seconds
from projections.charts import Chart


def instrument_json(c: Chart) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "attributes": dict(c.attributes), "streams": streams_json(c),
            "href": f"/v1/instruments/{c.id}", "created_at": iso_seconds(c.created_at / 1e6),
            "updated_at": iso_seconds(c.updated_at / 1e6)}


def _kind(attributes: dict[str, Any]) -> str:
    return "stacked" if truthy(attributes.get("display_stacked", False)) else "line"


def _find(request: web.Request, p: auth.Principal) -> Chart:
    return of_origin(commands.charts_view(runtime(request)).get, p.org_id, path_int(request, "id"), "instrument",
                     "instrument")


@routes.get("/v1/instruments")
async def list_instruments(request: web.Request) -> web.Response:
    """List instruments (paginated; `orderby=updated_at|name|id`, `name` filters by substring)."""
    p = auth.librato(request, "charts:read")
    mine = commands.charts_view(runtime(request)).of_org(p.org_id, "instrument")
    needle = request.query.get("name", "").lower()
    found = [c for c in mine if needle in c.name.lower()]
    return paginate(request, "instruments", found, total=len(mine), render=instrument_json,
                    orderby={"updated_at": lambda c: (c.updated_at, c.id), "name": lambda c: (c.name.lower(), c.id),
                             "id": lambda c: c.id})


@routes.post("/v1/instruments")
async def create_instrument(request: web.Request) -> web.Response:
    """Create an instrument: `name`, `streams` (metric, source glob, group_function...), `attributes`."""
    p = auth.librato(request, "charts:write")
    body = await body_params(request)
    name = name_of(body)
    attributes = scalars(body.get("attributes"), "attributes")
    series = parse_streams(body.get("streams"))
    chart = await commands.create_chart(runtime(request), p.org_id, name=name, kind=_kind(attributes), series=series,
                                        attributes=attributes, origin="instrument", actor=p.actor,
                                        request_id=request_id(request))
    return json_response(instrument_json(chart), status=201, headers={"Location": f"/v1/instruments/{chart.id}"})


@routes.get("/v1/instruments/{id}")
async def get_instrument(request: web.Request) -> web.Response:
    """Get one instrument."""
    p = auth.librato(request, "charts:read")
    return json_response(instrument_json(_find(request, p)))


@routes.put("/v1/instruments/{id}")
async def update_instrument(request: web.Request) -> web.Response:
    """Update an instrument; `streams`, when given, replace the old ones wholesale."""
    p = auth.librato(request, "charts:write")
    chart = _find(request, p)
    body = await body_params(request)
    name = name_of(body, chart.name)
    attributes = scalars(body["attributes"], "attributes") if "attributes" in body else dict(chart.attributes)
    series = parse_streams(body["streams"], chart) if "streams" in body else chart.series
    await commands.update_chart(runtime(request), chart, name=name, kind=_kind(attributes), series=series,
                                attributes=attributes, actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


@routes.delete("/v1/instruments/{id}")
async def delete_instrument(request: web.Request) -> web.Response:
    """Delete an instrument (it also leaves every dashboard that held it)."""
    p = auth.librato(request, "charts:write")
    await commands.delete_chart(runtime(request), _find(request, p), actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)
