"""The data a chart shows for a time window: each of its series read from the series view,
sampled the M2X way (``values`` with a limit, every ``nth``, or ``min|max|count|avg|sum`` per
epoch-aligned bucket), with Librato source globs expanded and grouped.

Everything here is a read of in-memory views; the arrays handed back are fresh (the renderer,
which runs in a thread, may hold them while the loop folds new points).
"""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import Generator
from typing import Any

import msgspec
import numpy as np

from app.errors import Invalid
from app.runtime import Runtime
from events.charts import SeriesRef
from projections.charts import Chart
from projections.series import Series, aggregate_sorted
from renderers import SeriesData

SAMPLING_TYPES = ("values", "nth", "min", "max", "count", "avg", "sum")
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_INTERVAL = 10 * 366 * 86400  # ten years: any coarser bucket is one bucket anyway
MAX_PLOTTED = 50  # series drawn at most (a breakout over many sources is cut here)
MAX_READ = 1_000  # stored series one drawing reads at most, over all its streams and sources
MAX_SCAN = 100_000  # sources one drawing's globs are tried on at most, over all its streams
MAX_POINTS = 20_000  # points of one drawn series at most (a 4,000-px chart shows 4,000 columns)
MAX_POINTS_READ = 1_000_000  # points one drawing reads in all (summing many sources reads them all)
YIELD_EVERY = 0.005  # seconds: gathering hands the event loop back this often (gather_series)
_GROUP = {"average": "avg", "sum": "sum", "min": "min", "max": "max"}
_EMPTY = np.empty(0, np.float64)


class Sampling(msgspec.Struct, frozen=True, kw_only=True):
    """How points are read: ``type`` ``values`` (the ``limit`` most recent), ``nth`` (every
    ``interval``-th), or an aggregate per bucket of ``interval`` seconds."""

    type: str = "values"
    interval: int = 60
    limit: int = DEFAULT_LIMIT


def sampling(type_: str = "values", interval: int = 60, limit: int = DEFAULT_LIMIT) -> Sampling:
    """A checked Sampling. A limit above MAX_LIMIT is lowered to it (M2X: "the server will only
    return the 10,000 most recent values"); anything else out of bounds is Invalid."""
    if type_ not in SAMPLING_TYPES:
        raise Invalid(f"type must be one of {', '.join(SAMPLING_TYPES)}", field="type", reason="invalid")
    if not 1 <= interval <= MAX_INTERVAL:
        raise Invalid(f"interval must be between 1 and {MAX_INTERVAL}", field="interval", reason="invalid")
    if limit < 1:
        raise Invalid("limit must be at least 1", field="limit", reason="invalid")
    return Sampling(type=type_, interval=interval, limit=min(limit, MAX_LIMIT))


def _view(rt: Runtime, name: str) -> Any:
    return rt.projector.projections.get(name)


def sample(view: Series, org_id: int, source: str, metric: str, start: float, end: float,
           s: Sampling) -> tuple[np.ndarray, np.ndarray]:
    t, v = view.view(org_id, source, metric, start, end)  # read-only views: copy only what is kept
    if s.type == "values":  # (at most limit <= MAX_LIMIT)
        return t[-s.limit:].copy(), v[-s.limit:].copy()
    # nth: every interval-th point; an aggregate: one point per bucket that holds any
    many = len(t) / s.interval if s.type == "nth" else min(len(t), (t[-1] - t[0]) / s.interval + 1 if len(t) else 0)
    if many > MAX_POINTS:
        raise Invalid(f"one series would have more than {MAX_POINTS} points: take a longer interval or a "
                      "shorter window", field="interval", reason="too_small")
    if s.type == "nth":  # (Series.nth and Series.aggregate, on the view already read)
        return t[::s.interval].copy(), v[::s.interval].copy()
    return aggregate_sorted(t, v, s.interval, s.type)


def break_at_empty_buckets(t: np.ndarray, v: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Aggregates omit empty buckets; a chart must not draw a line across them. A NaN point at
    the first empty bucket of each run makes the renderer break the line there."""
    if len(t) < 2:
        return t, v
    after = np.flatnonzero(np.diff(t) > interval * 1.5)
    if after.size == 0:
        return t, v
    return np.insert(t, after + 1, t[after] + interval), np.insert(v, after + 1, np.nan)


def _is_glob(source: str) -> bool:
    return source == "%" or any(c in source for c in "*?[")


def _metric(chart: Chart, ref: SeriesRef) -> str:
    """The series' metric as stored: Librato metric names are case-insensitive and kept in lower
    case, so an instrument naming ``CPU`` reads ``cpu``; M2X stream names are case-sensitive."""
    return ref.metric if chart.origin == "m2x" else ref.metric.lower()


class _Budget:
    """What one drawing may still read (series) and try its globs on (sources)."""

    __slots__ = ("read", "scan", "points")

    def __init__(self) -> None:
        self.read, self.scan, self.points = MAX_READ, MAX_SCAN, MAX_POINTS_READ


def _sources(view: Series, org_id: int, ref: SeriesRef, metric: str,
             budget: _Budget) -> Generator[None, None, list[str]]:
    """The sources ``ref`` matches, sorted, yielding as it goes. Beyond the budget it is Invalid:
    a glob over many sources held the server for seconds, and a public link can ask for it
    again and again."""
    if not _is_glob(ref.source):
        found = [ref.source]
    else:
        pattern = "*" if ref.source == "%" else ref.source
        candidates = list(view.sources_of(org_id, metric))  # a copy: the view may change as we yield
        budget.scan -= len(candidates)
        if budget.scan < 0:
            raise _too_many(f"tries its source patterns on more than {MAX_SCAN} sources")
        found = []
        for i in range(0, len(candidates), 2_000):
            found += [src for src in candidates[i:i + 2_000] if fnmatch.fnmatchcase(src, pattern)]
            yield
        found.sort()
    return found


def _too_many(what: str, remedy: str = "narrow its sources") -> Invalid:
    return Invalid(f"the chart {what}; {remedy}", field="sources", reason="too_many")


def _label(rt: Runtime, chart: Chart, ref: SeriesRef, several_sources: bool) -> tuple[str, str]:
    """(legend name, unit) of a series: Librato's own names, or M2X's stream and device names
    (prefixed with the device's when the chart plots ``several_sources``)."""
    if ref.name:
        return ref.name, ref.units_short or ""
    devices = _view(rt, "devices")
    device = devices.device(ref.source) if devices is not None and chart.origin == "m2x" else None
    if device is None:
        return ref.composite or ref.metric, ref.units_short or ""
    stream = device.streams.get(ref.metric)
    name = (stream.display_name if stream is not None and stream.display_name else None) or ref.metric
    if several_sources:
        name = f"{device.name}: {name}"
    return name, (stream.unit_symbol or "") if stream is not None else ""


def _group(parts: list[tuple[np.ndarray, np.ndarray]], fn: str, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Several sources as one series: ``fn`` of every point in each bucket of ``interval``."""
    t = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    order = np.argsort(t, kind="stable")
    return aggregate_sorted(t[order], v[order], interval, fn)


async def gather_series(rt: Runtime, chart: Chart, start: float, end: float, s: Sampling) -> tuple[SeriesData, ...]:
    """What the chart plots over start..end, one SeriesData per drawn line (at most
    MAX_PLOTTED), handing the event loop back every YIELD_EVERY seconds: a chart over
    many long series takes a while to read, and the server answers everyone else meanwhile.
    (The views may move on between two series: each series is read whole, at some position.)"""
    steps = _gather(rt, chart, start, end, s)
    since = time.perf_counter()
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if time.perf_counter() - since > YIELD_EVERY:
            await asyncio.sleep(0)
            since = time.perf_counter()


def _gather(rt: Runtime, chart: Chart, start: float, end: float,
            s: Sampling) -> Generator[None, None, tuple[SeriesData, ...]]:
    """The work of gather_series, one stored series at a time (it yields after each)."""
    view: Series | None = _view(rt, "series")
    out: list[SeriesData] = []
    several_sources = len({s.source for s in chart.series}) > 1
    budget = _Budget()
    for ref in chart.series:
        if len(out) >= MAX_PLOTTED:
            break  # no more is drawn
        name, unit = _label(rt, chart, ref, several_sources)
        if view is None or ref.composite is not None:
            out.append(SeriesData(name, _EMPTY, _EMPTY, unit, ref.color))
            continue
        metric = _metric(chart, ref)
        sources = yield from _sources(view, chart.org_id, ref, metric, budget)
        if ref.group_function == "breakout":
            sources = sources[:MAX_PLOTTED - len(out)]  # a line each: no more than are drawn
        budget.read -= len(sources)
        if budget.read < 0:
            raise _too_many(f"reads more than {MAX_READ} series")
        parts = []
        for src in sources:
            parts.append(sample(view, chart.org_id, src, metric, start, end, s))
            budget.points -= len(parts[-1][0])
            if budget.points < 0:
                raise _too_many(f"reads more than {MAX_POINTS_READ} points",
                                "take a coarser type or interval, a shorter window, or fewer sources")
            yield
        aggregated = s.type not in ("values", "nth")
        step: float | None = s.interval if aggregated else None  # the bucket width, when bucketed
        if len(parts) > 1 and ref.group_function != "breakout":
            step = max(ref.period or 0, s.interval) if aggregated else (ref.period or 60)
            parts = [_group(parts, _GROUP.get(ref.group_function or "average", "avg"), step)]
        if step is not None:
            parts = [break_at_empty_buckets(t, v, step) for t, v in parts]
        if len(parts) > 1:
            out.extend(SeriesData(f"{name} ({src})", t, v, unit, None) for src, (t, v) in zip(sources, parts))
        elif parts:
            out.append(SeriesData(name, parts[0][0], parts[0][1], unit, ref.color))
        else:
            out.append(SeriesData(name, _EMPTY, _EMPTY, unit, ref.color))
    return tuple(out[:MAX_PLOTTED])
