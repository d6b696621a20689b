"""Librato tagged measurements: ``POST /v1/measurements`` (JSON only) and ``GET /v1/measurements/:name``.

A tagged series is stored under the canonical tag string (``az=a,region=us-east-1``); a legacy
source shows here as the tag ``source`` (and no source as no tags), so one read covers both.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import auth
from app import writes
from app.errors import Invalid
from app.http import json_response, request_id, runtime
from app.librato import commands, ingest, reads
from app.librato.forms import body_params, query_params
from app.librato.metrics import accepted
from app.librato.routing import routes


def tags_of(source: str) -> dict[str, str]:
    if "=" in source:
        return ingest.parse_tag_source(source)
    return {"source": source} if source else {}


@routes.post("/v1/measurements")
@writes.ingest
async def submit_measurements(request: web.Request) -> web.Response:
    """Submit tagged measurements (JSON only).

    `measurements`: each with `name` and `value` (or `sum` + `count`, optionally `min`, `max`,
    `last`, `stddev`), `tags`, `time`, `period`; top-level `tags`, `time`, `period` are defaults, and a
    measurement's own tags replace the top-level tags whole. 202 with a summary of what was accepted."""
    p = auth.librato(request, "data:write")
    rt = runtime(request)
    batch = ingest.parse_measurements(await body_params(request, json_only=True), rt.now())
    n = await commands.record(rt, p.org_id, batch, actor=p.actor, request_id=request_id(request))
    return json_response(accepted(n), status=202)


def _tag_filter(q: dict[str, Any]) -> dict[str, str]:
    raw = q.get("tags")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise Invalid("tags must be given as tags[name]=value", field="tags", reason="is invalid")
    return {k.lower(): v.lower() for k, v in raw.items()}


@routes.get("/v1/measurements/{name}")
async def get_measurements(request: web.Request) -> web.Response:
    """A metric's series by tag set: `start_time` or `duration` (needed), `end_time`, `resolution`
    (seconds, default 1 = raw), `tags[name]=value` filters (a value may be a glob with `*`)."""
    p = auth.librato(request, "data:read")
    rt = runtime(request)
    metric = commands.find(rt, p.org_id, request.match_info["name"])
    q = query_params(request)
    w = reads.window(q, rt.now(), require=True)
    assert w is not None
    wanted = _tag_filter(q)
    view = commands.metrics_view(rt)
    out = []
    for source in view.sources_of(p.org_id, metric.key):
        tags = tags_of(source)
        # tags are kept lower-case, and the filter is lowered to match; a legacy source keeps
        # its case, so it is lowered here for the comparison only
        if not all(k in tags and reads.matches(v, tags[k].lower()) for k, v in wanted.items()):
            continue
        t, v = rt["series"].window(p.org_id, source, metric.key, w.start, w.end)
        if len(t) == 0:
            continue
        found, _ = reads.series_rows(t, v, view.summaries(p.org_id, source, metric.key), w)
        out.append({"tags": tags, "measurements": [{"time": r["measure_time"], "value": r["value"]} for r in found]})
    return json_response({"name": metric.name, "series": out, "resolution": w.resolution, "links": []})
