"""Librato legacy (source-based) metrics: ``POST /v1/metrics``, ``GET /v1/metrics``,
``GET/PUT/DELETE /v1/metrics/:name`` and ``DELETE /v1/metrics`` (``{"names": [...]}``)."""

from __future__ import annotations

import math

from typing import Any

from aiohttp import web

from app import auth
from app import writes
from app.errors import Invalid
from app.http import json_response, request_id, runtime
from app.librato import commands, ingest, reads
from app.librato.forms import body_params, listlike, query_params
from app.librato.pagination import paginate
from app.librato.routing import routes
from projections.metrics import Metric

DEFAULT_ATTRIBUTES: dict[str, Any] = {"summarize_function": "average", "aggregate": False}


def metric_json(m: Metric) -> dict[str, Any]:
    return {"name": m.name, "display_name": m.display_name, "type": m.type, "description": m.description,
            "period": m.period, "source_lag": None, "attributes": {**DEFAULT_ATTRIBUTES, **m.attributes}}


def accepted(n: int) -> dict[str, Any]:
    return {"measurements": {"summary": {"total": n, "accepted": n, "failed": 0, "filtered": 0}}}


@routes.post("/v1/metrics")
@writes.ingest
async def submit(request: web.Request) -> web.Response:
    """Submit gauges and counters (legacy, by source).

    `gauges` and `counters` may each be an array, a hash by name or (form-encoded) a hash by index;
    top-level `source` and `measure_time` are defaults. Gauges may send `count`, `sum`, `min`, `max`,
    `sum_squares` instead of `value`. At most 10,000 measurements; the request is stored whole or not at all."""
    p = auth.librato(request, "data:write")
    rt = runtime(request)
    batch = ingest.parse_metrics(await body_params(request), rt.now())
    n = await commands.record(rt, p.org_id, batch, actor=p.actor, request_id=request_id(request))
    return json_response(accepted(n))


@routes.get("/v1/metrics")
async def list_metrics(request: web.Request) -> web.Response:
    """List metrics (paginated; `name` filters by a part of the name)."""
    p = auth.librato(request, "data:read")
    every = commands.metrics_view(runtime(request)).of_org(p.org_id)
    needle = request.query.get("name", "").strip().lower()
    found = [m for m in every if needle in m.key] if needle else every
    return paginate(request, "metrics", found, orderby={"name": lambda m: m.key}, render=metric_json,
                    total=len(every))


@routes.delete("/v1/metrics")
async def delete_metrics(request: web.Request) -> web.Response:
    """Delete several metrics and their measurements: `{"names": ["a", "b"]}`. Unknown names are skipped."""
    p = auth.librato(request, "data:write")
    params = await body_params(request)
    raw = params.get("names")
    if raw is None or raw == "" or raw == [] or raw == {}:
        raise Invalid("names is not present", field="names", reason="is not present")
    names = listlike(raw, "names")
    if not all(isinstance(n, str) and n for n in names):
        raise Invalid("names must be metric names", field="names", reason="must be metric names")
    await commands.delete(runtime(request), p.org_id, names, actor=p.actor, request_id=request_id(request),
                          missing_ok=True)
    return web.Response(status=204)


def _sources(q: dict[str, Any], known: list[str]) -> list[str]:
    """The stored sources a read asks for: `sources[]` (exact names) and/or `source` (a glob)."""
    legacy = [s for s in known if "=" not in s]
    wanted = q.get("sources")
    pattern = q.get("source")
    if wanted is None and pattern in (None, ""):
        return legacy
    names = set([wanted] if isinstance(wanted, str) else listlike(wanted, "sources")) if wanted is not None else set()
    if not all(isinstance(n, str) for n in names) or not isinstance(pattern, (str, type(None))):
        raise Invalid("sources must be names", field="sources", reason="is invalid")
    out = []
    for s in legacy:
        shown = s or ingest.UNASSIGNED
        if shown in names or (pattern and reads.matches(pattern, shown)):
            out.append(s)
    return out


@routes.get("/v1/metrics/{name}")
async def get_metric(request: web.Request) -> web.Response:
    """A metric, and with `start_time`, `duration` or `count` its measurements by source.

    Also `end_time`, `resolution` (seconds; 1 = raw), `sources[]` or `source` (a glob), and
    `summarize_sources` (adds the pseudo-source `all`)."""
    p = auth.librato(request, "data:read")
    rt = runtime(request)
    metric = commands.find(rt, p.org_id, request.match_info["name"])
    body = metric_json(metric)
    q = query_params(request)
    w = reads.window(q, rt.now(), require=False)
    if w is None:
        return json_response(body)
    view, series = commands.metrics_view(rt), rt["series"]
    measurements: dict[str, list[dict[str, Any]]] = {}
    parts = []
    next_time = None
    for source in _sources(q, view.sources_of(p.org_id, metric.key)):
        t, v = series.window(p.org_id, source, metric.key, w.start, w.end)
        if len(t) == 0:
            continue
        stats = view.summaries(p.org_id, source, metric.key)
        parts.append((t, v, stats))
        found, more = reads.series_rows(t, v, stats, w)
        measurements[source or ingest.UNASSIGNED] = found
        next_time = more if next_time is None or (more is not None and more < next_time) else next_time
    if str(q.get("summarize_sources", "")).lower() in ("true", "1") and parts:
        measurements["all"], more = reads.limit(reads.summarized(parts, w.resolution), w)
        next_time = more if next_time is None or (more is not None and more < next_time) else next_time
        if next_time is not None:  # on the start of an 'all' bucket, so no bucket is split over pages
            step = max(w.resolution, 1)
            aligned = math.floor(next_time / step) * step
            next_time = aligned if aligned > w.start else next_time
    if next_time is not None:
        # one page ends at one time for every series: what is left of each (cut or not) comes
        # with the next page, which starts at next_time, so no row is sent twice nor skipped
        kept = {name: [row for row in found if row["measure_time"] < next_time] for name, found in measurements.items()}
        measurements = {name: found for name, found in kept.items() if found}
        body["query"] = {"next_time": reads._num(next_time)}
    body.update({"measurements": measurements, "resolution": w.resolution})
    return json_response(body)


@routes.put("/v1/metrics/{name}")
async def update_metric(request: web.Request) -> web.Response:
    """Update a metric's `display_name`, `description`, `period`, `attributes` (merged); creates it
    (201) when it does not exist and a `type` (gauge or counter) is given."""
    p = auth.librato(request, "data:write")
    name = request.match_info["name"]
    metric, created = await commands.update(runtime(request), p.org_id, name, await body_params(request),
                                            actor=p.actor, request_id=request_id(request))
    if created:
        return json_response(metric_json(metric), status=201, headers={"Location": f"/v1/metrics/{metric.name}"})
    return web.Response(status=204)


@routes.delete("/v1/metrics/{name}")
async def delete_metric(request: web.Request) -> web.Response:
    """Delete a metric and all its measurements."""
    p = auth.librato(request, "data:write")
    await commands.delete(runtime(request), p.org_id, [request.match_info["name"]], actor=p.actor,
                          request_id=request_id(request), missing_ok=False)
    return web.Response(status=204)
