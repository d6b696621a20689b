"""M2X data streams of a device: create or update with ``PUT``, list, view (with the latest
value), delete."""

from __future__ import annotations

import msgspec
from aiohttp import web

from app import devices as commands
from app.http import base_url, json_body, json_response, request_id, runtime
from app.m2x import access
from app.m2x.routing import DEVICE, STREAM, routes
from app.m2x.shapes import stream_json


class Unit(msgspec.Struct):
    label: str | None = None
    symbol: str | None = None


class StreamIn(msgspec.Struct):
    type: str | None = None
    unit: Unit | None = None
    display_name: str | None = None


@routes.get(DEVICE + "/streams")
async def list_streams(request: web.Request) -> web.Response:
    """List a device's data streams, each with its latest value."""
    p, device = access.device(request, "data:read")
    base, series = base_url(request), commands.series_view(runtime(request))
    streams = [s for name, s in sorted(device.streams.items()) if access.may_use_stream(p, name)]
    return json_response({"streams": [stream_json(base, device, s, series) for s in streams]})


@routes.put(STREAM)
async def put_stream(request: web.Request) -> web.Response:
    """Create (201) or update (200) a data stream: `type` numeric|alphanumeric, `unit` {label, symbol},
    `display_name`. Both answer the stream object (the python client needs `name` back even when
    the stream already existed). Names: 1 to 128 of A-Z a-z 0-9 _ . -."""
    name = request.match_info["stream"]
    p, device = access.device(request, "data:write", name)
    b = await json_body(request, StreamIn)
    series = commands.series_view(runtime(request))
    existed = name in device.streams
    event = commands.stream_event(device, name, type_=b.type, unit_label=b.unit.label if b.unit else None,
                                  unit_symbol=b.unit.symbol if b.unit else None, display_name=b.display_name,
                                  has_points=existed and series.count(device.org_id, device.id, name) > 0)
    stream = await commands.upsert_stream(runtime(request), device, event, actor=p.actor, request_id=request_id(request))
    body = stream_json(base_url(request), device, stream, series)
    return json_response(body, status=200 if existed else 201,
                         headers=None if existed else {"Location": body["url"]})


@routes.get(STREAM)
async def get_stream(request: web.Request) -> web.Response:
    """View a data stream with its latest value (`value`, `latest_value_at`)."""
    name = request.match_info["stream"]
    _, device = access.device(request, "data:read", name)
    stream = commands.find_stream(device, name)
    return json_response(stream_json(base_url(request), device, stream, commands.series_view(runtime(request))))


@routes.delete(STREAM)
async def delete_stream(request: web.Request) -> web.Response:
    """Delete a data stream and all its values; 204."""
    name = request.match_info["stream"]
    p, device = access.device(request, "data:write", name)
    await commands.delete_stream(runtime(request), device, name, actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)
