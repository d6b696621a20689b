"""Librato chart tokens (``/v1/charts``), snapshots (``/v1/snapshots``) and jobs (``/v1/jobs``):
the seeds ``librato-chart-tokens.md`` and ``librato-snapshots.md``, wire.md §3.1–3.3 and §3.7.

An ``instrument`` token shares a chart (any chart of the organization: instruments, space
charts, M2X charts are all charts), a ``dashboard`` token a dashboard (spaces and legacy
dashboards). Errors are the Librato dialect's, since these paths are under ``/v1``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from app import auth
from app.charts.commands import KINDS, charts_view, dashboards_view
from app.errors import Invalid, Malformed, NotFound
from app.http import CONFIG, json_response, path_int, read_body, request_id, runtime
from app.librato.forms import body_params, listlike, parse_json
from app.librato.pagination import paginate
from app.runtime import Runtime
from app.sharing import commands, render
from app.sharing.routing import routes
from app.sharing.runner import RUNNER
from app.times import iso_seconds
from projections.jobs import Job
from projections.shares import Share
from projections.snapshots import Snapshot

ENTITY_TYPES = {"instrument": "chart", "dashboard": "dashboard"}
ENTITY_OF = {v: k for k, v in ENTITY_TYPES.items()}
PAGE_OF = {"chart": "instruments", "dashboard": "dashboards"}
MAX_SOURCES = 20


async def params(request: web.Request) -> dict[str, Any]:
    """The body as Librato parameters. ``curl -d '{...}'`` without ``-H Content-Type`` sends JSON
    labelled as a form (the snapshot seed does exactly that), so a "form" that is a JSON object
    is read as JSON; a real form never starts with ``{``. The seed's example also lacks its last
    ``}``: such a body, and only such a body, has its missing closing brackets added."""
    if request.content_type == "application/x-www-form-urlencoded":
        body = await read_body(request)
        if body.lstrip().startswith(b"{"):
            try:
                return parse_json(body)
            except Malformed:
                completed = close_brackets(body)
                if completed is None:
                    raise
                return parse_json(completed)
    return await body_params(request)


def close_brackets(body: bytes) -> bytes | None:
    """``body`` with the closing brackets it lacks at its end, or None when something else is
    wrong with it (an open string, a mismatched bracket, nothing missing)."""
    closers = {ord("{"): b"}", ord("["): b"]"}
    stack: list[bytes] = []
    in_string = escaped = False
    for c in body:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == 0x5C, c != 0x22)
        elif c == 0x22:
            in_string = True
        elif c in closers:
            stack.append(closers[c])
        elif c in (0x7D, 0x5D):
            if not stack or stack.pop()[0] != c:
                return None
    if in_string or not stack:
        return None
    return body.rstrip() + b"".join(reversed(stack))


def _base(request: web.Request) -> str:
    return request.app[CONFIG].base_url


# -- chart tokens ----------------------------------------------------------------------------

def token_json(s: Share, base: str) -> dict[str, Any]:
    """The seed's three properties, and ``url``: the public page the token opens."""
    return {"token": s.token, "entity_id": s.target_id, "entity_type": ENTITY_OF[s.target_kind],
            "url": f"{base}/share/{PAGE_OF[s.target_kind]}/{s.token}"}


def target_exists(rt: Runtime, s: Share) -> bool:
    if s.target_kind == "chart":
        return charts_view(rt).get(s.org_id, s.target_id) is not None
    if s.target_kind == "dashboard":
        return dashboards_view(rt).get(s.org_id, s.target_id) is not None
    return False


def _mine(rt: Runtime, org_id: int) -> list[Share]:
    return [s for s in commands.shares_view(rt).list(org_id, "librato") if target_exists(rt, s)]


def _token(request: web.Request, p: auth.Principal) -> Share:
    token = request.match_info["token"]
    rt = runtime(request)
    s = commands.shares_view(rt).get(token)
    if s is None or s.org_id != p.org_id or s.dialect != "librato" or not target_exists(rt, s):
        raise NotFound(f"chart token {token!r} not found")
    return s


def _int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 18:
        return int(raw.strip())
    return None


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        field = next(iter(errors))
        raise Invalid(f"{field} {errors[field][0]}", field=field, reason=errors[field][0], errors=errors)


def _entity(rt: Runtime, org_id: int, body: dict[str, Any]) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    raw_type, raw_id = body.get("entity_type"), body.get("entity_id")
    kind = ENTITY_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if raw_type in (None, ""):
        errors["entity_type"] = ["is not present"]
    elif kind is None:
        errors["entity_type"] = ["is not included in the list (instrument, dashboard)"]
    entity_id = _int(raw_id)
    if raw_id in (None, ""):
        errors["entity_id"] = ["is not present"]
    elif entity_id is None:
        errors["entity_id"] = ["is not a number"]
    elif kind == "chart" and charts_view(rt).get(org_id, entity_id) is None:
        errors["entity_id"] = [f"instrument {entity_id} does not exist"]
    elif kind == "dashboard" and dashboards_view(rt).get(org_id, entity_id) is None:
        errors["entity_id"] = [f"dashboard {entity_id} does not exist"]
    _refuse(errors)
    return kind, entity_id  # type: ignore[return-value]


@routes.post("/v1/charts")
async def create_token(request: web.Request) -> web.Response:
    """Create a chart token: `entity_type` (instrument|dashboard) and `entity_id` (form or JSON)."""
    p = auth.librato(request, "sharing_configuration:write")
    body = await params(request)
    rt = runtime(request)
    kind, entity_id = _entity(rt, p.org_id, body)
    s = await commands.create_share(rt, p.org_id, dialect="librato", target_kind=kind, target_id=entity_id,
                                    actor=p.actor, request_id=request_id(request))
    return json_response(token_json(s, _base(request)), status=201, headers={"Location": f"/v1/charts/{s.token}"})


@routes.get("/v1/charts")
async def list_tokens(request: web.Request) -> web.Response:
    """List chart tokens (paginated, `orderby=token` only; `token` filters by substring, any case)."""
    p = auth.librato(request, "sharing_configuration:read")
    mine = _mine(runtime(request), p.org_id)
    needle = request.query.get("token", "").strip().lower()
    found = [s for s in mine if needle in s.token]
    base = _base(request)
    return paginate(request, "charts", found, total=len(mine), render=lambda s: token_json(s, base),
                    orderby={"token": lambda s: s.token})


@routes.get("/v1/charts/{token}")
async def get_token(request: web.Request) -> web.Response:
    """Get one chart token."""
    p = auth.librato(request, "sharing_configuration:read")
    return json_response(token_json(_token(request, p), _base(request)))


@routes.delete("/v1/charts/{token}")
async def delete_token(request: web.Request) -> web.Response:
    """Delete a chart token: public access through it ends at once; the entity stays."""
    p = auth.librato(request, "sharing_configuration:write")
    await commands.revoke_share(runtime(request), _token(request, p), actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


# -- snapshots -------------------------------------------------------------------------------

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


def _sources(raw: Any, errors: dict[str, list[str]]) -> tuple[str, ...]:
    if raw is None:
        return ("*",)
    try:
        items = listlike(raw, "sources") if not isinstance(raw, str) else [raw]
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


def _snapshot_ask(rt: Runtime, org_id: int, body: dict[str, Any]) -> SnapshotAsk:
    errors: dict[str, list[str]] = {}
    subject = body.get("subject")
    chart_raw = subject.get("chart") if isinstance(subject, dict) else None
    chart = None
    if not isinstance(chart_raw, dict):
        errors["subject"] = ["is not present" if subject is None else "must hold a chart: {\"chart\": {\"id\": ...}}"]
        chart_raw = {}
    else:
        chart_id = _int(chart_raw.get("id"))
        if chart_raw.get("id") in (None, ""):
            errors["subject.chart.id"] = ["is not present"]
        elif chart_id is None:
            errors["subject.chart.id"] = ["is not a number"]
        elif (chart := charts_view(rt).get(org_id, chart_id)) is None:
            errors["subject.chart.id"] = [f"chart {chart_id} does not exist"]
    kind = chart_raw.get("type")
    if kind in (None, ""):
        kind = chart.kind if chart is not None and chart.kind in KINDS else "line"
    elif kind not in KINDS:
        errors["subject.chart.type"] = ["is not included in the list (line, stacked, bignumber)"]
    sources = _sources(chart_raw.get("sources"), errors)
    duration, end_time = render.DEFAULT_DURATION, rt.now()
    for field, read in (("duration", lambda: render.duration_of(body.get("duration", render.DEFAULT_DURATION))),
                        ("end_time", lambda: render.end_time_of(body.get("end_time"), rt.now()))):
        try:
            value = read()
        except Invalid as exc:
            errors[field] = [exc.reason]
            continue
        if field == "duration":
            duration = int(value)
        else:
            end_time = float(value)
    if "duration" not in errors and "end_time" not in errors:
        try:
            render.window(duration, end_time)
        except Invalid as exc:
            errors["duration"] = [exc.reason]
    _refuse(errors)
    assert chart is not None
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
