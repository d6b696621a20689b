"""M2X values: write (one value, a list, device updates), read newest first, delete a range,
sample per interval, stats. Every write is validated whole and becomes ONE event; a refused
batch stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from aiohttp import web

from app import devices as commands
from app import writes
from app.auth import Principal
from app.errors import Invalid
from app.http import json_response, read_body, request_id, runtime
from app.m2x import access, ingest
from app.m2x.params import float_param, int_param, params, time_param, to_ms
from app.m2x.routing import DEVICE, STREAM, routes
from app.times import MIN_TIME, iso
from events import devices as dev
from events.series import SeriesPoints
from projections.devices import Device
from projections.series import Series, aggregate_sorted

ACCEPTED = {"status": "accepted"}
MAX_LIMIT = 10_000  # values or buckets per read
MIN_INTERVAL, MAX_INTERVAL = 1, 1e10  # sampling buckets, seconds: finer ones would split milliseconds unevenly
SAMPLING_TYPES = ("nth", "min", "max", "count", "avg", "sum", "stddev")


async def _store(request: web.Request, p: Principal, device: Device, raws: list[ingest.Raw], *,
                 create_streams: bool) -> web.Response:
    """Check the whole batch, then append it as one event; 202 ``{"status": "accepted"}``."""
    ingest.check_sizes(raws)
    chunks: list[SeriesPoints] = []
    created: list[dev.StreamUpserted] = []
    for raw in raws:
        access.allow_stream(p, raw.stream)
        stream = device.streams.get(raw.stream)
        if stream is not None:
            kind = stream.type
        elif create_streams:
            commands.check_name(raw.stream)
            kind = "numeric" if all(isinstance(v, float) for v in raw.values) else "alphanumeric"
            created.append(dev.StreamUpserted(device_id=device.id, name=raw.stream, type=kind))
        else:
            raise Invalid(f"the device has no stream {raw.stream!r}", field=raw.field, reason="not_found")
        if kind == "numeric":
            chunks.append(SeriesPoints(source=device.id, metric=raw.stream, times=raw.times, values=ingest.numeric(raw)))
        else:
            chunks.append(SeriesPoints(source=device.id, metric=raw.stream, times=raw.times, texts=ingest.text(raw)))
    await commands.add_points(runtime(request), device, chunks, created, actor=p.actor, request_id=request_id(request))
    return json_response(ACCEPTED, status=202)


async def _write(request: web.Request, decode: Callable[[bytes, float], list[ingest.Raw]],
                 stream: str | None = None) -> web.Response:
    """A write to the stream ``stream`` (created if needed), or to the device's existing streams
    when None: the key checked, the body decoded whole (server time for missing timestamps), stored."""
    p, device = access.device(request, "data:write", stream)
    raws = decode(await read_body(request), to_ms(runtime(request).now()))  # server time, at M2X's precision
    if stream is None or stream in device.streams:
        return await _store(request, p, device, raws, create_streams=False)
    # The stream is to be made, and its type follows the values. Ingest holds the organization's
    # lock shared, so two writes could each find it missing and make it, each of its own type:
    # one write at a time makes a device's streams, and the second then finds the first's.
    async with request.app[writes.WRITES].alone(("streams", device.id)):
        device = commands.devices_view(runtime(request)).device(device.id) or device
        return await _store(request, p, device, raws, create_streams=True)


@routes.put(STREAM + "/value")
@writes.ingest
async def put_value(request: web.Request) -> web.Response:
    """Write one value `{"value", "timestamp"?}` (server time by default); creates the stream if
    needed (numeric for a number, else alphanumeric); 202."""
    name = request.match_info["stream"]
    return await _write(request, lambda body, now: ingest.one_value(body, name, now), name)


@routes.post(STREAM + "/values")
@writes.ingest
async def post_values(request: web.Request) -> web.Response:
    """Write values `{"values": [{"timestamp", "value"}, …]}` (timestamps required, at most 10,000);
    creates the stream if needed; 202. Accepted or refused whole."""
    name = request.match_info["stream"]
    return await _write(request, lambda body, now: ingest.many_values(body, name, now), name)


@routes.post(DEVICE + "/updates")
@writes.ingest
async def post_device_updates(request: web.Request) -> web.Response:
    """Write values to several existing streams: `{"values": {stream: [{"timestamp", "value"}, …]}}`
    (at most 10,000 values in all; `location` is accepted and ignored); 202."""
    return await _write(request, ingest.device_updates)


@routes.post(DEVICE + "/update")
@writes.ingest
async def post_device_update(request: web.Request) -> web.Response:
    """Write one value to each of several existing streams at one time:
    `{"timestamp"?, "values": {stream: value}}`; 202."""
    return await _write(request, ingest.device_update)


# -- reading --------------------------------------------------------------------------------

def _window(q: dict[str, str], now: float) -> tuple[float | None, float, float, float]:
    """``start`` (None when not given), ``end``, and the bounds of the points to read. An
    ``end`` not given is now, as the answer says: points stamped in the future show once
    ``end`` reaches them."""
    start, end = time_param(q, "start"), time_param(q, "end")
    if end is None:
        end = to_ms(now)
    lo = start if start is not None else MIN_TIME
    if lo > end:
        raise Invalid("end (now, when not given) is before start", field="end", reason="invalid")
    return start, end, lo, end


def _filtered(series: Series, device: Device, name: str, q: dict[str, str], lo: float,
              hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The numeric points of the window, with the ``min``/``max`` value filters applied."""
    t, v = series.view(device.org_id, device.id, name, lo, hi)
    vmin, vmax = float_param(q, "min"), float_param(q, "max")
    if vmin is not None or vmax is not None:
        keep = np.ones(len(v), dtype=bool)
        if vmin is not None:
            keep &= v >= vmin
        if vmax is not None:
            keep &= v <= vmax
        t, v = t[keep], v[keep]
    return t, v


def _echo(body: dict[str, Any], start: float | None, end: float) -> dict[str, Any]:
    if start is not None:
        body["start"] = iso(start)
    body["end"] = iso(end)
    return body


def _numeric_stream(device: Device, name: str) -> None:
    if commands.find_stream(device, name).type != "numeric":
        raise Invalid("only numeric streams can be sampled or summarised", field="type", reason="not_numeric")


@routes.get(STREAM + "/values")
async def list_values(request: web.Request) -> web.Response:
    """List values, newest first: `start`, `end` (ISO 8601), `min`, `max` (value filters, numeric
    streams), `limit` (default 100, at most 10,000; larger is clamped)."""
    name = request.match_info["stream"]
    _, device = access.device(request, "data:read", name)
    stream = commands.find_stream(device, name)
    q = await params(request)
    start, end, lo, hi = _window(q, runtime(request).now())
    limit = int_param(q, "limit", 100, lo=1, hi=MAX_LIMIT)
    series = commands.series_view(runtime(request))
    values: list[dict[str, Any]]
    if stream.type == "numeric":
        t, v = _filtered(series, device, name, q, lo, hi)
        t, v = t[-limit:][::-1].tolist(), v[-limit:][::-1].tolist()
        values = [{"timestamp": iso(a), "value": b} for a, b in zip(t, v)]
    else:
        tt, texts = series.text_window(device.org_id, device.id, name, lo, hi, newest=limit)
        values = [{"timestamp": iso(a), "value": b} for a, b in zip(tt[::-1].tolist(), texts[::-1])]
    return json_response(_echo({"values": values, "limit": limit}, start, end))


def _range(q: dict[str, str]) -> tuple[float, float]:
    start = time_param(q, "from") if "from" in q else time_param(q, "start")
    end = time_param(q, "end")
    if start is None:
        raise Invalid("from is required", field="from", reason="not_present")
    if end is None:
        raise Invalid("end is required", field="end", reason="not_present")
    return start, end


@routes.delete(STREAM + "/values")
async def delete_values(request: web.Request) -> web.Response:
    """Delete the values with `from` <= timestamp <= `end` (JSON body, both required); 204."""
    name = request.match_info["stream"]
    p, device = access.device(request, "data:write", name)
    start, end = _range(await params(request))
    await commands.delete_points(runtime(request), device, name, start, end, actor=p.actor,
                                 request_id=request_id(request))
    return web.Response(status=204)


def _interval(q: dict[str, str], kind: str) -> float:
    raw = q.get("interval")
    if raw is None or raw == "":
        raise Invalid("interval is required", field="interval", reason="not_present")
    try:
        value = int(raw) if kind == "nth" else float(raw)
    except ValueError:
        raise Invalid("interval must be " + ("an integer" if kind == "nth" else "a number of seconds"),
                      field="interval", reason="invalid") from None
    if not (value >= 1 if kind == "nth" else 0 < value < float("inf")):
        raise Invalid("interval must be positive", field="interval", reason="out_of_range")
    if kind != "nth" and not MIN_INTERVAL <= value <= MAX_INTERVAL:  # beyond: bucket stamps overflow
        raise Invalid(f"interval must be {MIN_INTERVAL} to {MAX_INTERVAL:.0f} seconds", field="interval",
                      reason="out_of_range")
    # every N-th point: beyond any series' length N picks the first point alone; bounded, it
    # stays a valid slice step and float
    return min(value, 2**53)


@routes.get(STREAM + "/sampling")
async def sampling(request: web.Request) -> web.Response:
    """Sample a numeric stream, newest first: `type` = nth|min|max|count|avg|sum|stddev (default avg),
    `interval` (required: N for nth, else bucket seconds, buckets aligned to the Unix epoch and stamped
    with their start, empty ones omitted), `start`, `end`, `min`, `max`, `limit` (default 100, ≤10,000)."""
    name = request.match_info["stream"]
    _, device = access.device(request, "data:read", name)
    _numeric_stream(device, name)
    q = await params(request)
    kind = q.get("type", "avg")
    if kind not in SAMPLING_TYPES:
        raise Invalid("type must be one of " + "|".join(SAMPLING_TYPES), field="type", reason="invalid")
    interval = _interval(q, kind)
    start, end, lo, hi = _window(q, runtime(request).now())
    limit = int_param(q, "limit", 100, lo=1, hi=MAX_LIMIT)
    series = commands.series_view(runtime(request))
    if kind == "nth":
        t, v = _filtered(series, device, name, q, lo, hi)
        t, v = t[::int(interval)], v[::int(interval)]
    elif "min" in q or "max" in q:
        t, v = aggregate_sorted(*_filtered(series, device, name, q, lo, hi), interval, kind)
    else:
        t, v = series.aggregate(device.org_id, device.id, name, lo, hi, interval, kind)
    values = [{"timestamp": iso(a), "value": b} for a, b in zip(t[-limit:][::-1].tolist(), v[-limit:][::-1].tolist())]
    shown = int(interval) if float(interval).is_integer() else interval
    return json_response(_echo({"values": values, "interval": shown, "type": kind, "limit": limit}, start, end))


@routes.get(STREAM + "/stats")
async def stats(request: web.Request) -> web.Response:
    """Count, min, max, avg and (population) stddev of a numeric stream's values: `start`, `end`,
    `min`, `max`, from the query string or a JSON body."""
    name = request.match_info["stream"]
    _, device = access.device(request, "data:read", name)
    _numeric_stream(device, name)
    q = await params(request)
    start, end, lo, hi = _window(q, runtime(request).now())
    _, v = _filtered(commands.series_view(runtime(request)), device, name, q, lo, hi)
    body: dict[str, float | None]
    if len(v):
        body = {"count": float(len(v)), "min": float(v.min()), "max": float(v.max()), "avg": float(v.mean()),
                "stddev": float(v.std())}
    else:
        body = {"count": 0.0, "min": None, "max": None, "avg": None, "stddev": None}
    return json_response(_echo({"stats": body}, start, end))
