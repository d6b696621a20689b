"""Librato streams (the series of instruments and space charts) in and out of the chart model.

In: a JSON or form list of stream objects (wire.md §3.6). ``metric`` + ``source`` (a name, ``*``,
a glob, or ``%`` for a dynamic source), or ``composite`` alone; the functions and colors are
checked here, so bad input never reaches the log. Out: each stream with a stable ``id`` and
``"type"`` (``gauge``, or ``composite``). Also what instruments, spaces and dashboards share: a
lookup by id and origin, the listing order of dashboards, and a few body fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from app.charts.commands import MAX_SERIES
from app.errors import Invalid, NotFound
from app.http import convert
from app.librato.forms import listlike
from events.charts import Scalar, SeriesRef
from projections.charts import Chart
from projections.dashboards import Dashboard

GROUP_FUNCTIONS = ("average", "sum", "breakout", "min", "max")
SUMMARY_FUNCTIONS = ("average", "sum", "min", "max", "count")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_NAME = re.compile(r"^[A-Za-z0-9.:\-_*%?\[\]]{1,255}$")  # metric/source names and their globs
# The orders of a dashboards listing (legacy dashboards and spaces alike); the first is the default.
DASHBOARD_ORDER: Mapping[str, Callable[[Dashboard], Any]] = {
    "id": lambda d: d.id, "name": lambda d: (d.title.lower(), d.id), "updated_at": lambda d: (d.updated_at, d.id)}
_T = TypeVar("_T", Chart, Dashboard)  # what of_origin finds


class StreamIn(msgspec.Struct, kw_only=True):
    """What a client may send for one stream; unknown keys (``id``, ``type``...) are ignored."""

    metric: str | None = None
    source: str | None = None
    composite: str | None = None
    name: str | None = None
    color: str | None = None
    group_function: str | None = None
    summary_function: str | None = None
    transform_function: str | None = None
    downsample_function: str | None = None
    units_short: str | None = None
    units_long: str | None = None
    min: float | None = None
    max: float | None = None
    period: int | None = None
    split_axis: bool | None = None
    position: int | None = None
    gap_detection: bool | None = None
    id: int | None = None


def _bad(field: str, reason: str) -> Invalid:
    return Invalid(f"{field} {reason}", field=field, reason=reason)


def parse_stream(raw: Any, i: int) -> tuple[SeriesRef, int | None]:
    """One stream as a SeriesRef, and the id the client echoed (to keep unsent options)."""
    field = f"streams[{i}]"
    if not isinstance(raw, dict):
        raise _bad(field, "is not a stream object")
    s = convert(raw, StreamIn)
    if s.composite is not None:
        if s.metric is not None or s.source is not None or s.group_function is not None:
            raise _bad(f"{field}.composite", "cannot be combined with metric, source or group_function")
        if not s.composite.strip():
            raise _bad(f"{field}.composite", "is not present")
        metric, source = "", ""
    else:
        if not s.metric:
            raise _bad(f"{field}.metric", "is not present")
        metric, source = s.metric, s.source or "*"
        for name, value in (("metric", metric), ("source", source)):
            if not _NAME.match(value):
                raise _bad(f"{field}.{name}", "is invalid")
    if s.group_function is not None and s.group_function not in GROUP_FUNCTIONS:
        raise _bad(f"{field}.group_function", f"must be one of {', '.join(GROUP_FUNCTIONS)}")
    if s.summary_function is not None and s.summary_function not in SUMMARY_FUNCTIONS:
        raise _bad(f"{field}.summary_function", f"must be one of {', '.join(SUMMARY_FUNCTIONS)}")
    if s.color is not None and not _COLOR.match(s.color):
        raise _bad(f"{field}.color", "must be #RRGGBB")
    if s.period is not None and s.period < 1:
        raise _bad(f"{field}.period", "must be at least 1")
    options = msgspec.structs.asdict(s)  # StreamIn's fields are SeriesRef's, and the echoed id
    del options["id"]
    return SeriesRef(**{**options, "source": source, "metric": metric}), s.id


def parse_streams(raw: Any, old: Chart | None = None) -> tuple[SeriesRef, ...]:
    """The whole list (it replaces the old one). A stream that echoes the ``id`` of one of the old
    chart's streams keeps the options clients never re-send (color, position, gap_detection)."""
    if raw is None:
        return ()
    items = listlike(raw, "streams")
    if len(items) > MAX_SERIES:
        raise _bad("streams", f"has more than {MAX_SERIES} streams")
    previous = {stream_id(old, i): s for i, s in enumerate(old.series)} if old else {}
    out = []
    for i, item in enumerate(items):
        ref, sid = parse_stream(item, i)
        before = previous.get(sid) if sid is not None else None
        if before is not None:
            ref = msgspec.structs.replace(
                ref, color=ref.color if ref.color is not None else before.color,
                position=ref.position if ref.position is not None else before.position,
                gap_detection=ref.gap_detection if ref.gap_detection is not None else before.gap_detection)
        out.append(ref)
    return tuple(out)


def stream_id(chart: Chart, index: int) -> int:
    """Librato streams have integer ids; ours are derived from the chart id and the position."""
    return chart.id * 1000 + index + 1


def stream_json(chart: Chart, index: int, s: SeriesRef) -> dict[str, Any]:
    out: dict[str, Any] = {"id": stream_id(chart, index)}
    if s.composite is not None:
        out.update(composite=s.composite, type="composite")
    else:
        out.update(metric=s.metric, source=s.source, type="gauge",
                   group_function=s.group_function or "average")
    out["summary_function"] = s.summary_function or "average"
    for name in ("name", "color", "transform_function", "downsample_function", "units_short", "units_long",
                 "min", "max", "period", "split_axis", "position", "gap_detection"):
        value = getattr(s, name)
        if value is not None:
            out[name] = value
    return out


def streams_json(chart: Chart) -> list[dict[str, Any]]:
    return [stream_json(chart, i, s) for i, s in enumerate(chart.series)]


def scalars(raw: Any, field: str) -> dict[str, Scalar]:
    """A flat object of JSON scalars (instrument ``attributes``); forms give strings."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad(field, "must be an object")
    out: dict[str, Scalar] = {}
    for key, value in raw.items():
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise _bad(f"{field}.{key}", "must be a string, number, boolean or null")
        out[str(key)] = value
    return out


def truthy(value: Any) -> bool:
    """Booleans as JSON sends them, and as forms and the python client's str() do ("True")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def name_of(body: dict[str, Any], current: str | None = None) -> str:
    name = body.get("name", current)
    if name is None or not isinstance(name, str) or not name.strip():
        raise _bad("name", "is not present")
    return name


def chart_ids(raw: Any, field: str) -> Sequence[int]:
    """A list of integer ids, as plain ints or as objects with ``id`` (what a GET gave back)."""
    if raw is None:
        return []
    out = []
    for item in listlike(raw, field):
        value = item.get("id") if isinstance(item, dict) else item
        try:
            out.append(int(value))  # type: ignore[arg-type]  # anything else is refused below
        except (TypeError, ValueError):
            raise _bad(field, "must be a list of integer ids") from None
    return out


def of_origin(get: Callable[[int, int], _T | None], org_id: int, item_id: int, origin: str, what: str) -> _T:
    """The chart or dashboard ``item_id`` (``get`` is its view's), when it has this origin; else 404."""
    found = get(org_id, item_id)
    if found is None or found.origin != origin:
        raise NotFound(f"{what} {item_id} not found")
    return found
