"""Reading a Librato submission into points, with every check done before anything is stored.

Pure: parameters (from JSON or a form, see ``forms``) and ``now`` in, a ``Batch`` out, or an
``Invalid`` that names the field. Two wire forms:

- legacy ``POST /v1/metrics`` (wire.md §3.4): ``gauges``/``counters`` as an array, a hash by name
  or a hash by index; top-level ``source`` and ``measure_time`` are defaults;
- tagged ``POST /v1/measurements`` (§3.5): ``measurements`` with ``tags`` (a measurement's own
  tags replace the top-level ones), ``time`` and ``period`` per measurement or at the top.

A summary (``count`` + ``sum``, optionally ``min``, ``max``, ``sum_squares``, ``last``, ``stddev``)
is stored as the point value ``sum / count``, with the summary kept beside it for reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from app.errors import Invalid
from app.librato.forms import listlike
from app.times import MAX_TIME, MIN_TIME

MAX_MEASUREMENTS = 10_000  # per request; the python client sends at most 300 per POST
MAX_NAME = 255
MAX_TAGS = 50
NO_SOURCE = ""  # the stored source of a legacy measurement sent without one (events/series.py)
UNASSIGNED = "unassigned"  # ... and how Librato shows it
RESERVED_SOURCES = frozenset({"all"})

_NAME = re.compile(r"[A-Za-z0-9.:\-_]{1,255}\Z")
_TAG_NAME = re.compile(r"[-.:_\w]{1,64}\Z", re.ASCII)
_TAG_VALUE = re.compile(r"[-.:_?\\/\w ]{1,255}\Z", re.ASCII)
_HUGE, _TINY = 1e126, 1e-130


class Summary(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    count: int
    sum: float
    min: float | None = None
    max: float | None = None
    sum_squares: float | None = None
    last: float | None = None
    stddev: float | None = None


class Point(msgspec.Struct, frozen=True, kw_only=True):
    metric: str  # the metric's key: its name in lower case (Librato names are case-insensitive)
    source: str  # a legacy source, or the canonical tag string of a tagged measurement
    time: float
    value: float
    summary: Summary | None = None


class MetricSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What a submission says about a metric; used only when the metric is new."""

    name: str  # as first written
    type: str  # "gauge" | "counter"
    period: int | None = None
    display_name: str | None = None
    description: str | None = None
    attributes: dict[str, Any] = {}


class Batch(msgspec.Struct, kw_only=True):
    points: list[Point]
    specs: dict[str, MetricSpec]  # by key


# -- fields -------------------------------------------------------------------------------------

def _bad(field: str, reason: str, where: str) -> Invalid:
    at = f" ({where})" if where else ""
    return Invalid(f"{where or field}: {field} {reason}", field=field, reason=reason + at)


def number(raw: Any, field: str, where: str = "") -> float:
    """A finite number, or a string holding one (forms send strings)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise _bad(field, "is not a number", where)
    if isinstance(raw, str):
        try:
            raw = float(raw.strip())
        except ValueError:
            raise _bad(field, "is not a number", where) from None
    try:
        value = float(raw)
    except OverflowError:  # an integer beyond any float
        raise _bad(field, "is out of range", where) from None
    if math.isnan(value):
        raise _bad(field, "is not a number", where)
    if math.isinf(value) or abs(value) > _HUGE:
        raise _bad(field, "is out of range", where)
    return 0.0 if abs(value) < _TINY else value


def integer(raw: Any, field: str, where: str = "", lo: int = 1) -> int:
    value = number(raw, field, where)
    if value != int(value):
        raise _bad(field, "is not an integer", where)
    if value < lo:
        raise _bad(field, f"must be at least {lo}", where)
    return int(value)


def epoch(raw: Any, field: str, where: str = "") -> float:
    """Unix seconds, as Librato takes them; 1970 to 2199."""
    value = number(raw, field, where)
    if not MIN_TIME <= value < MAX_TIME:
        raise _bad(field, "is out of range", where)
    return value


def metric_name(raw: Any, where: str = "", field: str = "name") -> str:
    if raw is None or raw == "":
        raise _bad(field, "is not present", where)
    if not isinstance(raw, str) or not _NAME.match(raw):
        raise _bad(field, f"must be 1 to {MAX_NAME} characters from A-Za-z0-9.:-_", where)
    return raw


def source_name(raw: Any, where: str = "") -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    name = metric_name(raw, where, "source")
    if name.lower() in RESERVED_SOURCES:
        raise _bad("source", f"{name!r} is reserved", where)
    return name


def _text(raw: Any, field: str, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_NAME:
        raise _bad(field, f"must be text of at most {MAX_NAME} characters", where)
    return raw


def attributes(raw: Any, where: str = "") -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad("attributes", "must be a hash", where)
    return raw


def tags(raw: Any, where: str = "") -> dict[str, str]:
    """Tag names and values checked and lower-cased (wire.md §3.5)."""
    if not isinstance(raw, dict):
        raise _bad("tags", "must be a hash", where)
    if len(raw) > MAX_TAGS:
        raise _bad("tags", f"must be at most {MAX_TAGS}", where)
    out: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(k, str) or not _TAG_NAME.match(k):
            raise _bad("tags", f"name {str(k)[:70]!r} must be 1 to 64 characters from A-Za-z0-9.:-_", where)
        if not isinstance(v, str) or not _TAG_VALUE.match(v):
            raise _bad("tags", f"value of {k!r} must be 1 to 255 characters from A-Za-z0-9.:-_?\\/ and space", where)
        out[k.lower()] = v.lower()
    return out


def tag_source(t: dict[str, str]) -> str:
    """The canonical tag string a tagged series is stored under: sorted ``k=v`` joined by ``,``.
    Neither ``=`` nor ``,`` can occur in a tag, nor ``=`` in a legacy source, so it is unambiguous."""
    return ",".join(f"{k}={t[k]}" for k in sorted(t))


def parse_tag_source(source: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in source.split(",")) if source else {}


def _value(entry: dict[str, Any], where: str, allow_summary: bool) -> tuple[float, Summary | None]:
    has_summary = "count" in entry or "sum" in entry
    if "value" in entry and entry["value"] is not None:
        if has_summary:
            raise _bad("value", "cannot be given with count and sum", where)
        return number(entry["value"], "value", where), None
    if not has_summary:
        raise _bad("value", "is not present", where)
    if not allow_summary:
        raise _bad("count", "is only allowed on gauges", where)
    if "count" not in entry:
        raise _bad("count", "is not present", where)
    if "sum" not in entry:
        raise _bad("sum", "is not present", where)
    count = integer(entry["count"], "count", where)
    opt = {f: number(entry[f], f, where) for f in ("min", "max", "sum_squares", "last", "stddev")
           if entry.get(f) is not None}
    if "min" in opt and "max" in opt and opt["min"] > opt["max"]:
        raise _bad("min", "is greater than max", where)
    s = Summary(count=count, sum=number(entry["sum"], "sum", where), **opt)
    return s.sum / count, s


def _spec(entry: dict[str, Any], name: str, type_: str, period: int | None, where: str) -> MetricSpec:
    return MetricSpec(name=name, type=type_, period=period,
                      display_name=_text(entry.get("display_name"), "display_name", where),
                      description=_text(entry.get("description"), "description", where),
                      attributes=attributes(entry.get("attributes"), where))


def _add_spec(specs: dict[str, MetricSpec], e: dict[str, Any], name: str, type_: str, period: int | None,
              where: str) -> None:
    """The first entry of a metric in a request says what it is; later ones must agree on its type."""
    key = name.lower()
    seen = specs.get(key)
    if seen is None:
        specs[key] = _spec(e, name, type_, period, where)
    elif seen.type != type_:
        raise _bad("name", f"is sent both as a {seen.type} and a {type_}", where)
    elif "attributes" in e or "display_name" in e or "description" in e:
        _spec(e, name, type_, period, where)  # checked like the first, though only the first counts


def _check_count(n: int, field: str) -> None:
    if n == 0:
        raise Invalid(f"{field}: no measurements were given", field=field, reason="must contain at least one measurement")
    if n > MAX_MEASUREMENTS:
        raise Invalid(f"{field}: {n} measurements, more than {MAX_MEASUREMENTS}", field=field,
                      reason=f"must contain at most {MAX_MEASUREMENTS} measurements")


# -- legacy: POST /v1/metrics -------------------------------------------------------------------

def _entries(raw: Any, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, entry) of an array, a hash by index or a hash by name (the key is the name
    unless the entry carries its own ``name``)."""
    if isinstance(raw, list):
        items: list[tuple[str, Any, str | None]] = [(f"{kind}[{i}]", e, None) for i, e in enumerate(raw)]
    elif isinstance(raw, dict):
        items = [(f"{kind}[{k}]", e, k) for k, e in raw.items()]
    elif raw is None or raw == "":
        return
    else:
        raise _bad(kind, "must be an array or a hash", "")
    for where, entry, key in items:
        if not isinstance(entry, dict):
            raise _bad(kind, "must hold hashes", where)
        if key is not None and "name" not in entry:
            entry = {**entry, "name": key}
        yield where, entry


def parse_metrics(params: dict[str, Any], now: float) -> Batch:
    """A legacy source-based submission. Points without a time get ``now`` in whole seconds."""
    top_source = source_name(params["source"]) if params.get("source") not in (None, "") else NO_SOURCE
    top_time = epoch(params["measure_time"], "measure_time") if params.get("measure_time") not in (None, "") else float(int(now))
    found = [(type_, where, e) for kind, type_ in (("gauges", "gauge"), ("counters", "counter"))
             for where, e in _entries(params.get(kind), kind)]
    _check_count(len(found), "gauges")
    points: list[Point] = []
    specs: dict[str, MetricSpec] = {}
    for type_, where, e in found:
        name = metric_name(e.get("name"), where)
        key = name.lower()
        value, summary = _value(e, where, allow_summary=type_ == "gauge")
        source = source_name(e["source"], where) if e.get("source") not in (None, "") else top_source
        t = epoch(e["measure_time"], "measure_time", where) if e.get("measure_time") not in (None, "") else top_time
        period = integer(e["period"], "period", where) if e.get("period") not in (None, "") else None
        _add_spec(specs, e, name, type_, period, where)
        points.append(Point(metric=key, source=source, time=t, value=value, summary=summary))
    return Batch(points=points, specs=specs)


# -- tagged: POST /v1/measurements --------------------------------------------------------------

def parse_measurements(params: dict[str, Any], now: float) -> Batch:
    """A tagged submission. A measurement's own non-empty ``tags`` replace the top-level tags
    whole; an empty ``{}`` counts as not given (the python queue sends ``"tags": {}`` on every entry).
    Every measurement ends up with at least one tag: an untagged one would be the series of a
    legacy measurement without a source."""
    top_tags = tags(params["tags"]) if params.get("tags") is not None else {}
    top_time = epoch(params["time"], "time") if params.get("time") is not None else float(int(now))
    top_period = integer(params["period"], "period") if params.get("period") is not None else None
    raw = params.get("measurements")
    entries = listlike(raw, "measurements") if raw is not None else []
    _check_count(len(entries), "measurements")
    points: list[Point] = []
    specs: dict[str, MetricSpec] = {}
    for i, e in enumerate(entries):
        where = f"measurements[{i}]"
        if not isinstance(e, dict):
            raise _bad("measurements", "must hold hashes", where)
        name = metric_name(e.get("name"), where)
        value, summary = _value(e, where, allow_summary=True)
        own = tags(e["tags"], where) if e.get("tags") is not None else {}
        t_set = own or top_tags
        if not t_set:
            raise _bad("tags", "is not present (a tagged measurement needs at least one tag)", where)
        t = epoch(e["time"], "time", where) if e.get("time") is not None else top_time
        period = integer(e["period"], "period", where) if e.get("period") is not None else top_period
        _add_spec(specs, e, name, "gauge", period, where)
        source = tag_source(t_set)
        points.append(Point(metric=name.lower(), source=source, time=t, value=value, summary=summary))
    return Batch(points=points, specs=specs)
