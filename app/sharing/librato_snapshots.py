"""Librato snapshots (``/v1/snapshots``) and jobs (``/v1/jobs``): the seed
``librato-snapshots.md`` and wire.md §3.1. A snapshot answers 202 at once; its PNG is drawn by a
background job (``app/sharing/runner.py``), and ``image_href`` stays null until then.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from app import auth
from app.charts.commands import KINDS, charts_view
from app.errors import Invalid, NotFound
from app.http import CONFIG, json_response, path_int, request_id, runtime
from app.librato.forms import listlike
from app.runtime import Runtime
from app.sharing import commands, render
from app.sharing.librato_params import Errors, as_int, params, refuse
from app.sharing.routing import routes
from app.sharing.runner import RUNNER
from app.times import iso_seconds
from projections.charts import Chart
from projections.jobs import Job
from projections.snapshots import Snapshot

MAX_SOURCES = 20


def _base(request: web.Request) -> str:
    return request.app[CONFIG].base_url


def snapshot_json(s: Snapshot, base: str) -> dict[str, Any]:
    return {
        "href": f"{base}/v1/snapshots/{s.id}",
        "job_href": f"{base}/v1/jobs/{s.job_id}",
        "image_href": f"{base}/share/snapshots/{s.image_token}.png" if s.sha256 else None,
        "duration": s.duration,
        "end_time": iso_seconds(s.end_time),
        "created_at": iso_seconds(s.created_at / 1e6),
        "updated_at": iso_seconds(s.updated_at / 1e6),
        "subject": {"chart": {"id": s.chart_id, "sources": list(s.sources), "type": s.kind}},
    }


def _sources(raw: Any, errors: Errors) -> tuple[str, ...]:
    if raw is None:
        return ("*",)
    try:
        items = [raw] if isinstance(raw, str) else listlike(raw, "sources")
    except Invalid:
        errors["subject.chart.sources"] = ["is not a list"]
        return ()
    if not items or len(items) > MAX_SOURCES or not all(isinstance(x, str) and 0 < len(x) <= 255 for x in items):
        errors["subject.chart.sources"] = [f"must be 1 to {MAX_SOURCES} source names or globs"]
        return ()
    return tuple(items)


class SnapshotAsk(msgspec.Struct, frozen=True, kw_only=True):
    """A checked snapshot request."""

    chart_id: int
    kind: str
    sources: tuple[str, ...]
    duration: int
    end_time: float


def _chart(rt: Runtime, org_id: int, subject: Any, errors: Errors) -> tuple[Chart | None, dict[str, Any]]:
    """The subject's chart (None when refused) and the subject's ``chart`` hash."""
    raw = subject.get("chart") if isinstance(subject, dict) else None
    if not isinstance(raw, dict):
        errors["subject"] = ["is not present" if subject is None else 'must hold a chart: {"chart": {"id": ...}}']
        return None, {}
    chart_id = as_int(raw.get("id"))
    if raw.get("id") in (None, ""):
        errors["subject.chart.id"] = ["is not present"]
    elif chart_id is None:
        errors["subject.chart.id"] = ["is not a number"]
    elif (chart := charts_view(rt).get(org_id, chart_id)) is not None:
        return chart, raw
    else:
        errors["subject.chart.id"] = [f"chart {chart_id} does not exist"]
    return None, raw


def _kind(raw: Any, chart: Chart | None, errors: Errors) -> str:
    """The asked type, or the chart's own."""
    if raw in (None, ""):
        return chart.kind if chart is not None and chart.kind in KINDS else "line"
    if raw not in KINDS:
        errors["subject.chart.type"] = ["is not included in the list (line, stacked, bignumber)"]
    return str(raw)


def _window(body: dict[str, Any], now: float, errors: Errors) -> tuple[int, float]:
    duration, end_time = render.DEFAULT_DURATION, now
    try:
        duration = render.duration_of(body.get("duration", render.DEFAULT_DURATION))
    except Invalid as exc:
        errors["duration"] = [exc.reason]
    try:
        end_time = render.end_time_of(body.get("end_time"), now)
    except Invalid as exc:
        errors["end_time"] = [exc.reason]
    if not errors.keys() & {"duration", "end_time"}:
        try:
            render.window(duration, end_time)
        except Invalid as exc:
            errors["duration"] = [exc.reason]
    return duration, end_time


def _snapshot_ask(rt: Runtime, org_id: int, body: dict[str, Any]) -> SnapshotAsk:
    """Every field checked, every refusal reported at once; nothing is stored on a refusal."""
    errors: Errors = {}
    chart, raw = _chart(rt, org_id, body.get("subject"), errors)
    kind = _kind(raw.get("type"), chart, errors)
    sources = _sources(raw.get("sources"), errors)
    duration, end_time = _window(body, rt.now(), errors)
    refuse(errors)
    assert chart is not None  # refuse() raised otherwise
    return SnapshotAsk(chart_id=chart.id, kind=kind, sources=sources, duration=duration, end_time=end_time)


def _snapshot(request: web.Request, p: auth.Principal) -> Snapshot:
    snap_id = path_int(request, "id")
    s = commands.snapshots_view(runtime(request)).get(p.org_id, snap_id)
    if s is None:
        raise NotFound(f"snapshot {snap_id} not found")
    return s


@routes.post("/v1/snapshots")
async def create_snapshot(request: web.Request) -> web.Response:
    """Create a snapshot of a chart: `subject[chart]` {`id`, `type`, `sources`}, `duration`, `end_time`.

    Answers 202: the PNG is drawn by a background job (`job_href`); `image_href` is null until then."""
    p = auth.librato(request, "sharing_configuration:write")
    body = await params(request)
    rt = runtime(request)
    ask = _snapshot_ask(rt, p.org_id, body)
    snap = await commands.create_snapshot(rt, p.org_id, chart_id=ask.chart_id, kind=ask.kind, sources=ask.sources,
                                          duration=ask.duration, end_time=ask.end_time, actor=p.actor,
                                          request_id=request_id(request))
    request.app[RUNNER].wake()
    return json_response(snapshot_json(snap, _base(request)), status=202,
                         headers={"Location": f"/v1/snapshots/{snap.id}"})


@routes.get("/v1/snapshots/{id}")
async def get_snapshot(request: web.Request) -> web.Response:
    """Get one snapshot; `image_href` is set once its job is complete."""
    p = auth.librato(request, "sharing_configuration:read")
    return json_response(snapshot_json(_snapshot(request, p), _base(request)))


# -- jobs ------------------------------------------------------------------------------------

def job_json(j: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"id": j.id, "state": j.state, "progress": j.progress}
    if j.state == "failed":
        out["errors"] = j.errors
    return out


@routes.get("/v1/jobs/{id}")
async def get_job(request: web.Request) -> web.Response:
    """Get a background job: `state` (queued|working|complete|failed|canceled), `progress`, `errors`."""
    p = auth.librato(request, "sharing_configuration:read")
    job_id = path_int(request, "id")
    job = commands.jobs_view(runtime(request)).get(p.org_id, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return json_response(job_json(job))
