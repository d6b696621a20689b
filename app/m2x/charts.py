"""M2X Charts (``/v2/charts``), all of seeds/m2x-charts.txt.

List, create, update and delete need a master key (a device key gets 403). Viewing a chart and
rendering it (``/v2/charts/{id}.png|svg``) are public. A chart's M2X id is its 32-hex uid.
Another account's chart answers 403 on update and delete; a missing one 404 "Chart Not Found".
A chart of a disabled account is not found publicly.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.charts import commands
from app.charts.data import DEFAULT_LIMIT, sampling
from app.charts.render import RenderParams, cache_for, check_params, default_now, etag_matches
from app.errors import Invalid
from app.devices import devices_view
from app.http import base_url, int_from, json_response, parse_json, read_body, request_id, runtime
from app.m2x import access
from app.m2x.errors import forbidden, not_found
from app.m2x.routing import routes
from app.runtime import Runtime
from app.times import parse_iso
from events.charts import SeriesRef
from projections.charts import Chart

ID = "{id:[^/.]+}"
DAY = 86400.0


def chart_json(base: str, c: Chart) -> dict[str, Any]:
    url = f"{base}/v2/charts/{c.uid}"
    return {"id": c.uid, "name": c.name, "series": [{"device": s.source, "stream": s.metric} for s in c.series],
            "url": url, "render": {"png": f"{url}.png", "svg": f"{url}.svg"}}


def _any_chart(rt: Runtime, uid: str) -> Chart:
    chart = commands.charts_view(rt).by_uid_any(uid)
    if chart is None:
        raise not_found("Chart")
    return chart


def _public_chart(rt: Runtime, uid: str) -> Chart:
    chart = _any_chart(rt, uid)
    if not rt["accounts"].is_live(chart.org_id):
        raise not_found("Chart")
    return chart


def _own_chart(rt: Runtime, org_id: int, uid: str) -> Chart:
    chart = _any_chart(rt, uid)
    if chart.org_id != org_id:
        raise forbidden("the chart belongs to another account")
    return chart


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await read_body(request)
    return parse_json(raw) if raw.strip() else {}


def _validate(rt: Runtime, org_id: int, body: dict[str, Any]) -> tuple[str, tuple[SeriesRef, ...]]:
    """The seed's validations, all reported at once: name and series present (at most
    commands.MAX_SERIES), every device the account's own, every stream on its device and numeric."""
    errors: dict[str, list[str]] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["not_present"]
    raw = body.get("series")
    refs: list[SeriesRef] = []
    if not isinstance(raw, list) or not raw:
        errors["series"] = ["not_present"]
    elif len(raw) > commands.MAX_SERIES:
        errors["series"] = ["too_many"]
    else:
        devices = devices_view(rt)
        for item in raw:
            if not isinstance(item, dict):
                errors.setdefault("series", ["invalid"])
                continue
            device_id, stream = item.get("device"), item.get("stream")
            if not isinstance(device_id, str) or not device_id:
                errors.setdefault("device", ["not_present"])
                continue
            if not isinstance(stream, str) or not stream:
                errors.setdefault("stream", ["not_present"])
                continue
            device = devices.device(device_id)
            if device is None or device.org_id != org_id:
                errors.setdefault("device", ["not_found"])
            elif stream not in device.streams:
                errors.setdefault("stream", ["not_found"])
            elif device.streams[stream].type != "numeric":  # strings have nothing to plot
                errors.setdefault("stream", ["not_numeric"])
            else:
                refs.append(SeriesRef(source=device_id, metric=stream))
    if errors:
        field = next(iter(errors))
        raise Invalid(f"{field} {errors[field][0]}", field=field, reason=errors[field][0], errors=errors)
    assert isinstance(name, str)
    return name, tuple(refs)


@routes.get("/v2/charts")
async def list_charts(request: web.Request) -> web.Response:
    """List the account's charts; `device` lists only the charts that plot that device."""
    p = access.master(request, "charts:read")
    device = request.query.get("device")
    charts = commands.charts_view(runtime(request)).of_org(p.org_id, "m2x")
    if device:
        charts = [c for c in charts if any(s.source == device for s in c.series)]
    base = base_url(request)
    return json_response({"charts": [chart_json(base, c) for c in charts]})


@routes.post("/v2/charts")
async def create_chart(request: web.Request) -> web.Response:
    """Create a chart: `name` and `series` (`[{"device", "stream"}]`); 201 with `Location`."""
    p = access.master(request, "charts:write")
    rt = runtime(request)
    name, series = _validate(rt, p.org_id, await _body(request))
    chart = await commands.create_chart(rt, p.org_id, name=name, series=series, origin="m2x", actor=p.actor,
                                        request_id=request_id(request))
    body = chart_json(base_url(request), chart)
    return json_response(body, status=201, headers={"Location": body["url"]})


@routes.get(f"/v2/charts/{ID}")
async def view_chart(request: web.Request) -> web.Response:
    """A chart's details. Public: no API key needed."""
    chart = _public_chart(runtime(request), request.match_info["id"])
    return json_response(chart_json(base_url(request), chart))


@routes.put(f"/v2/charts/{ID}")
async def update_chart(request: web.Request) -> web.Response:
    """Replace a chart's name and series (same validations as create); 204."""
    p = access.master(request, "charts:write")
    rt = runtime(request)
    chart = _own_chart(rt, p.org_id, request.match_info["id"])
    name, series = _validate(rt, p.org_id, await _body(request))
    await commands.update_chart(rt, chart, name=name, kind=chart.kind, series=series, attributes=chart.attributes,
                                actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


@routes.delete(f"/v2/charts/{ID}")
async def delete_chart(request: web.Request) -> web.Response:
    """Delete a chart; 204."""
    p = access.master(request, "charts:write")
    rt = runtime(request)
    chart = _own_chart(rt, p.org_id, request.match_info["id"])
    await commands.delete_chart(rt, chart, actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


def _int(request: web.Request, name: str, default: int) -> int:
    """An integer of the render query; its bounds are checked by sampling() and check_params()."""
    return int_from(request.query, name, default, blank_as_absent=True, not_int="invalid")


@routes.get(f"/v2/charts/{ID}.{{format:[^/]+}}")
async def render_chart(request: web.Request) -> web.Response:
    """Render a chart as PNG or SVG. Public.

    Parameters: `type` (values, nth, min, max, count, avg, sum; default values), `limit` (values
    only: the most recent N, default 1000, at most 10000), `interval` (seconds, or N for nth;
    default 60), `start`/`end` (ISO 8601; default the last 24 hours), `width` (600) and `height`
    (300), each 50..4000 px. Answers carry an ETag (If-None-Match gives 304) and a Cache-Control
    fitted to the window."""
    rt = runtime(request)
    cache = cache_for(rt)
    now = rt.now()
    # Everything below depends only on the path, the query, the log (chart, account, data) and
    # the clock's 10-second step: the same key resolves to the same chart, parameters and ETag.
    key = (request.match_info["id"], request.match_info["format"], request.query_string, rt.projector.position,
           default_now(now))
    hit = cache.recall(key)
    if hit is None:
        chart, params = _render_params(rt, request, now)
        prepared = await cache.prepare(rt, chart, params)
        cache.remember(key, chart, params, prepared)
    else:
        chart, params, prepared = hit
    headers = {"ETag": prepared.etag, "Cache-Control": params.cache_control}
    if etag_matches(request.headers.get("If-None-Match"), prepared.etag):
        return web.Response(status=304, headers=headers)
    body = await cache.body(rt, chart, params, prepared)
    return web.Response(body=body, content_type=params.content_type, headers=headers)


def _render_params(rt: Runtime, request: web.Request, now: float) -> tuple[Chart, RenderParams]:
    chart = _public_chart(rt, request.match_info["id"])
    q = request.query
    s = sampling(q.get("type", "values") or "values", _int(request, "interval", 60),
                 _int(request, "limit", DEFAULT_LIMIT))
    end = parse_iso(q["end"], "end") if q.get("end") else default_now(now)
    start = parse_iso(q["start"], "start") if q.get("start") else end - DAY
    return chart, check_params(start, end, _int(request, "width", 600), _int(request, "height", 300),
                               request.match_info["format"].lower(), s, now)
