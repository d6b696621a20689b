"""The Librato writes: record a checked batch, update a metric, delete metrics.

Everything is checked against the current views before the one append; a batch is one
``series.points_added`` event (plus ``librato.summaries.recorded`` when it carries summaries) and
a ``librato.metric.created`` per new metric, all in one atomic append.
"""

from __future__ import annotations

from typing import Any

import msgspec

from app.errors import Conflict, Invalid, NotFound
from app.librato import ingest
from app.librato.ingest import Batch
from app.runtime import Runtime
from app.times import MAX_TIME, MIN_TIME
from events import metrics as ev
from events.base import Pending
from events.errors import ConcurrencyError
from events.series import PointsDeleted, SeriesPoints, points_added
from projections.metrics import LIBRATO_STREAM, Metric, Metrics

ATTEMPTS = 3


def metrics_view(rt: Runtime) -> Metrics:
    return rt["metrics"]  # type: ignore[no-any-return]


def metric_stream(org_id: int, key: str) -> str:
    return f"metric-{org_id}-{key}"


def _definitions(view: Metrics, org_id: int, batch: Batch) -> list[Pending]:
    """A creation for each new metric; a measurement of the wrong type for an existing one is refused."""
    out = []
    for key, spec in batch.specs.items():
        known = view.get(org_id, key)
        if known is None:
            created = ev.MetricCreated(org_id=org_id, key=key, **msgspec.structs.asdict(spec))  # the same fields
            out.append(Pending(metric_stream(org_id, key), (created,), view.version(org_id, key)))
        elif known.type != spec.type:
            raise Invalid(f"{known.name} is a {known.type}; it cannot take {spec.type} measurements",
                          field="type", reason=f"{known.name} is a {known.type}, not a {spec.type}")
    return out


def _points(org_id: int, batch: Batch) -> Pending:
    chunks: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    last: dict[tuple[str, str, float], ingest.Point] = {}  # the point that wins at each time
    for p in batch.points:
        times, values = chunks.setdefault((p.source, p.metric), ([], []))
        times.append(p.time)
        values.append(p.value)
        last[(p.source, p.metric, p.time)] = p
    events: list[Any] = [points_added(org_id, [SeriesPoints(source=s, metric=m, times=t, values=v)
                                               for (s, m), (t, v) in chunks.items()])]
    rows = [ev.SummaryRow(p.source, p.metric, p.time, p.summary.count, p.summary.sum, p.summary.min,
                          p.summary.max, p.summary.sum_squares)
            for p in last.values() if p.summary is not None]
    if rows:
        events.append(ev.SummariesRecorded(org_id=org_id, rows=rows))
    return Pending(f"{LIBRATO_STREAM}{org_id}", tuple(events), None)


def _not_devices(rt: Runtime, org_id: int, batch: Batch) -> None:
    """Series are kept by (organization, source, metric), and an M2X device's series by its id as
    the source: a Librato source spelled as one of the organization's device ids would write
    into that device's streams (and its delete would erase them). Such a source is refused."""
    devices = rt["devices"]
    for source in {p.source for p in batch.points}:
        device = devices.device(source) if len(source) == 32 else None
        if device is not None and device.org_id == org_id:
            raise Invalid(f"source {source!r} is the id of an M2X device of this account", field="source",
                          reason="is an M2X device's id")


async def record(rt: Runtime, org_id: int, batch: Batch, *, actor: str, request_id: str) -> int:
    """Store a checked batch, whole; returns how many measurements it had."""
    _not_devices(rt, org_id, batch)
    for _ in range(ATTEMPTS):
        pending = _definitions(metrics_view(rt), org_id, batch) + [_points(org_id, batch)]
        try:
            await rt.append(pending, actor=actor, request_id=request_id)
            return len(batch.points)
        except ConcurrencyError as exc:  # another request created one of the metrics meanwhile: check again
            if not exc.stream.startswith("metric-"):
                raise
    raise Conflict("the metrics changed too often meanwhile; try again")


def find(rt: Runtime, org_id: int, name: str) -> Metric:
    metric = metrics_view(rt).get(org_id, name)
    if metric is None:
        raise NotFound(f"Metric {name} does not exist")
    return metric


async def update(rt: Runtime, org_id: int, name: str, params: dict[str, Any], *, actor: str,
                 request_id: str) -> tuple[Metric, bool]:
    """``PUT /v1/metrics/:name``: change the editable fields of a metric, or create it (a
    ``type`` is then needed). Attributes are merged key by key; a ``null`` removes one."""
    ingest.metric_name(name)
    key = name.lower()
    fields = _editable(params)
    metric = metrics_view(rt).get(org_id, key)
    type_ = params.get("type")
    if metric is None:
        if type_ not in ("gauge", "counter"):
            reason = "is not present" if type_ in (None, "") else "must be gauge or counter (composites are not supported)"
            raise Invalid(f"type {reason}", field="type", reason=reason)
        attrs = {k: v for k, v in fields.get("attributes", {}).items() if v is not None}
        created = ev.MetricCreated(org_id=org_id, key=key, name=name, type=type_, period=fields.get("period"),
                                   display_name=fields.get("display_name"), description=fields.get("description"),
                                   attributes=attrs)
        await rt.append([Pending(metric_stream(org_id, key), (created,), metrics_view(rt).version(org_id, key))],
                        actor=actor, request_id=request_id)
        return find(rt, org_id, key), True
    if type_ not in (None, "", metric.type):
        raise Invalid(f"{metric.name} is a {metric.type}; its type cannot change", field="type",
                      reason="cannot be changed")
    attrs = dict(metric.attributes)
    for k, v in fields.get("attributes", {}).items():
        if v is None:
            attrs.pop(k, None)
        else:
            attrs[k] = v
    updated = ev.MetricUpdated(org_id=org_id, key=key, period=fields.get("period", metric.period),
                               display_name=fields.get("display_name", metric.display_name),
                               description=fields.get("description", metric.description), attributes=attrs)
    await rt.append([Pending(metric_stream(org_id, key), (updated,), None)], actor=actor, request_id=request_id)
    return find(rt, org_id, key), False


def _editable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in ("display_name", "description"):
        if f in params:
            v = params[f]
            if v is not None and (not isinstance(v, str) or len(v) > ingest.MAX_NAME):
                raise Invalid(f"{f} must be text", field=f, reason=f"must be text of at most {ingest.MAX_NAME} characters")
            out[f] = v or None
    if "period" in params:
        out["period"] = ingest.integer(params["period"], "period") if params["period"] not in (None, "") else None
    if "attributes" in params:
        out["attributes"] = ingest.attributes(params["attributes"])
    return out


async def delete(rt: Runtime, org_id: int, names: list[str], *, actor: str, request_id: str,
                 missing_ok: bool) -> int:
    """Delete metrics with all their points; returns how many existed."""
    view, pending, erase = metrics_view(rt), [], []
    for name in dict.fromkeys(n.lower() for n in names):
        metric = view.get(org_id, name)
        if metric is None:
            if missing_ok:
                continue
            raise NotFound(f"Metric {name} does not exist")
        erase += [PointsDeleted(org_id=org_id, source=s, metric=metric.key, start=MIN_TIME, end=MAX_TIME)
                  for s in view.sources_of(org_id, metric.key)]
        pending.append(Pending(metric_stream(org_id, metric.key), (ev.MetricDeleted(org_id=org_id, key=metric.key),), None))
    deleted = len(pending)
    if erase:
        pending.append(Pending(f"{LIBRATO_STREAM}{org_id}", tuple(erase), None))
    if pending:
        await rt.append(pending, actor=actor, request_id=request_id)
    return deleted
