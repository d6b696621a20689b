"""Reading Librato measurements back: the time window of a request, and the rows of a series,
raw or rolled up by ``resolution`` seconds (epoch-aligned buckets, stamped with their start).

A rolled-up row of a gauge is exact over summaries: ``count`` and ``sum`` add up, ``value`` is
``sum / count``, ``min``/``max`` are the extremes (a plain point counts as ``count=1, sum=value``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np

from app.errors import Invalid
from app.librato import ingest
from projections.metrics import Stat
from projections.series import aggregate_sorted

MAX_ROWS = 10_000  # per series and response; more gives ``query.next_time`` to continue from
MAX_RESOLUTION = 366 * 86_400


class Window(msgspec.Struct, frozen=True, kw_only=True):
    start: float
    end: float
    resolution: int = 1
    count: int | None = None  # only the latest ``count`` rows of each series


def _opt(q: Mapping[str, Any], name: str) -> Any:
    v = q.get(name)
    return None if v in (None, "", "None") else v


def _read(q: Mapping[str, Any], name: str, parse: Callable[[Any, str], Any], default: Any = None) -> Any:
    """Parameter ``name`` read by ``parse`` (which names the field when it refuses); ``default`` when absent."""
    raw = _opt(q, name)
    return default if raw is None else parse(raw, name)


def window(q: Mapping[str, Any], now: float, *, require: bool) -> Window | None:
    """``start_time``/``end_time``/``duration``/``count``/``resolution`` of a read. Without any of
    ``start_time``, ``duration`` and ``count`` there is nothing to read: ``None``, or (``require``) 400."""
    start: float | None = _read(q, "start_time", ingest.epoch)
    end: float | None = _read(q, "end_time", ingest.epoch)
    duration: int | None = _read(q, "duration", ingest.integer)
    count: int | None = _read(q, "count", ingest.integer)
    resolution: int = _read(q, "resolution", ingest.integer, 1)
    if resolution > MAX_RESOLUTION:
        raise Invalid("resolution is too large", field="resolution", reason=f"must be at most {MAX_RESOLUTION}")
    if start is None and duration is None and count is None:
        if require:
            raise Invalid("start_time or duration is needed", field="start_time", reason="is not present")
        return None
    if start is not None:
        end = end if end is not None else (start + duration if duration is not None else now)
    else:
        end = end if end is not None else now
        start = end - duration if duration is not None else 0.0
    if start > end:
        raise Invalid("start_time is after end_time", field="start_time", reason="must be before end_time")
    return Window(start=start, end=end, resolution=resolution, count=count)


def matches(pattern: str, value: str) -> bool:
    """Librato source and tag filters: exact, or a glob with ``*`` (any run of characters). No
    other character is special: ``?`` and ``[`` match themselves. Linear: the pieces between
    stars are found in order, leftmost first (a regex of ``.*`` could backtrack for minutes)."""
    if "*" not in pattern:
        return value == pattern
    pieces = pattern.split("*")
    first, last = pieces[0], pieces[-1]
    if len(value) < len(first) + len(last) or not value.startswith(first) or not value.endswith(last):
        return False
    at, end = len(first), len(value) - len(last)
    for piece in pieces[1:-1]:
        found = value.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def stat_arrays(t: np.ndarray, v: np.ndarray, stats: Mapping[float, Stat]) -> tuple[np.ndarray, ...]:
    """count, sum, min, max per point, from the summary when the point was sent as one."""
    counts, sums, mins, maxs = np.ones(len(t)), v.copy(), v.copy(), v.copy()
    if stats:
        for i, ti in enumerate(t.tolist()):
            s = stats.get(ti)
            if s is not None:
                counts[i], sums[i] = s.count, s.sum
                mins[i] = s.min if s.min is not None else v[i]
                maxs[i] = s.max if s.max is not None else v[i]
    return counts, sums, mins, maxs


def _num(x: float) -> int | float:
    return int(x) if x == int(x) else x


def rows(t: np.ndarray, v: np.ndarray, stats: Mapping[float, Stat], resolution: int) -> list[dict[str, Any]]:
    """Librato's legacy measurement rows: ``measure_time``, ``value``, ``count`` (+ summary fields)."""
    if resolution <= 1:
        out = []
        for ti, vi in zip(t.tolist(), v.tolist()):
            row: dict[str, Any] = {"measure_time": _num(ti), "value": vi, "count": 1}
            s = stats.get(ti) if stats else None
            if s is not None:
                row.update({"count": s.count, "sum": s.sum})
                row.update({k: getattr(s, k) for k in ("min", "max", "sum_squares") if getattr(s, k) is not None})
            out.append(row)
        return out
    return summarized([(t, v, stats)], resolution)  # one series rolled up is the "all" of itself


def limit(found: list[dict[str, Any]], w: Window) -> tuple[list[dict[str, Any]], float | None]:
    """The latest ``count`` rows when asked; otherwise at most MAX_ROWS, and the time to go on from."""
    if w.count is not None:
        return found[-w.count:], None
    if len(found) > MAX_ROWS:
        return found[:MAX_ROWS], float(found[MAX_ROWS]["measure_time"])
    return found, None


def series_rows(t: np.ndarray, v: np.ndarray, stats: Mapping[float, Stat], w: Window) -> tuple[list[dict[str, Any]], float | None]:
    """The rows of one series for a read, limited; raw points are cut before any row is built."""
    if w.resolution <= 1:
        if w.count is not None:
            t, v = t[-w.count:], v[-w.count:]
        elif len(t) > MAX_ROWS:
            return rows(t[:MAX_ROWS], v[:MAX_ROWS], stats, 1), float(t[MAX_ROWS])
    return limit(rows(t, v, stats, w.resolution), w)


def merged(parts: Sequence[tuple[np.ndarray, np.ndarray, Mapping[float, Stat]]]) -> tuple[np.ndarray, ...]:
    """Several series as one (``summarize_sources``): times sorted, per point count/sum/min/max."""
    if not parts:
        return (np.empty(0),) * 5
    columns = [np.concatenate(c) for c in zip(*((t, *stat_arrays(t, v, stats)) for t, v, stats in parts))]
    order = np.argsort(columns[0], kind="stable")
    return tuple(c[order] for c in columns)


def summarized(parts: Sequence[tuple[np.ndarray, np.ndarray, Mapping[float, Stat]]], resolution: int) -> list[dict[str, Any]]:
    """The ``all`` pseudo-source: every selected source's points rolled up together."""
    t, c, s, lo, hi = merged(parts)
    if len(t) == 0:
        return []
    step = max(resolution, 1)
    stamps, cc = aggregate_sorted(t, c, step, "sum")
    _, sc = aggregate_sorted(t, s, step, "sum")
    _, lc = aggregate_sorted(t, lo, step, "min")
    _, hc = aggregate_sorted(t, hi, step, "max")
    return [{"measure_time": _num(ts), "value": si / ci, "count": int(ci), "sum": si, "min": li, "max": h}
            for ts, ci, si, li, h in zip(stamps.tolist(), cc.tolist(), sc.tolist(), lc.tolist(), hc.tolist())]
