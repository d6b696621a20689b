"""The points of every series, in memory: the view charts and the data dialects read.

Each numeric series is a pair of float64 numpy arrays (times ascending, values) in growable
buffers: points arriving in time order are appended in amortised O(1); an out-of-order batch is
merged into the tail it overlaps. Two points at the same timestamp cannot coexist: the later
write wins (also within one batch). Alphanumeric series (M2X streams of type alphanumeric) keep
their strings apart, in a times array and a list; charts only plot numeric series.

Reads are vectorised: ``np.searchsorted`` finds a window, bucket edges are found by
searchsorted too, and ``np.add.reduceat`` / ``np.minimum.reduceat`` … aggregate each bucket.

Thread safety: the projection is mutated on the event loop. The query methods return fresh
arrays (``window``, ``aggregate``, ``nth``); to aggregate off the loop, take ``window`` on the
loop and call :func:`aggregate_sorted` in the executor.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from events import series as ev
from events.base import Envelope, Event, Recorded

Key = tuple[int, str, str]
FUNCTIONS = ("min", "max", "count", "avg", "sum", "stddev")
_F8 = np.dtype("<f8")
_NO_SOURCES: frozenset[str] = frozenset()
PENDING_BATCH = 64  # batches of at most this many points wait in lists (see _Numeric)
PENDING_MOST = 1 << 16  # points of a series that may wait: about 4 MB of Python floats and lists
# ndarray.resize(refcheck=True) counts references to tell whether a view is alive. Python 3.14
# counts references on the stack differently, and numpy releases of that time could miss one
# (numpy#30265) and free memory a view still reads: there, buffers are always copied.
_RESIZE_IN_PLACE = sys.version_info < (3, 14)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, _F8), np.empty(0, _F8)


def _floats(items: Sequence[float] | np.ndarray) -> np.ndarray:
    """A float64 array of a list of floats (np.fromiter with the length known skips the type
    and shape discovery np.asarray does per element: a third faster on ingest batches), or
    the float64 array a fresh ingest made, as it is (see events.series)."""
    if isinstance(items, np.ndarray):
        return items
    return np.fromiter(items, _F8, len(items))


def last_write_wins(t: np.ndarray, v: Any) -> tuple[np.ndarray, Any]:
    """Sort a batch by time (stably) and keep, of equal times, the last one written."""
    if len(t) > 1 and not bool(np.all(t[1:] > t[:-1])):
        order = np.argsort(t, kind="stable")
        t = t[order]
        v = v[order]
        keep = np.ones(len(t), dtype=bool)
        keep[:-1] = t[1:] != t[:-1]
        t, v = t[keep], v[keep]
    return t, v


class _Numeric:
    """One numeric series: ``t[:n]`` strictly ascending, ``v[:n]`` its values.

    Small batches (the common case of a replay: a few points each) wait in plain lists, as
    written, unchecked, and reach the arrays at the next read (``settle``), all at once through
    ``add``: one numpy pass per read instead of several numpy calls per event makes a replay of
    an ingest-heavy log an order faster. ``add`` sorts stably and keeps the last of equal times,
    so the order they wait in is the order they were written and the result is the same as
    folding them one by one. At most PENDING_MOST points wait: beyond that they settle.
    """

    __slots__ = ("t", "v", "n", "pt", "pv")

    def __init__(self, t: np.ndarray | None = None, v: np.ndarray | None = None) -> None:
        n = 0 if t is None else len(t)
        self.t = np.empty(max(16, n), _F8)
        self.v = np.empty(max(16, n), _F8)
        if n:
            self.t[:n], self.v[:n] = t, v
        self.n = n
        self.pt: list[float] = []
        self.pv: list[float] = []

    @property
    def times(self) -> np.ndarray:
        self.settle()
        return self.t[:self.n]

    @property
    def values(self) -> np.ndarray:
        self.settle()
        return self.v[:self.n]

    def size(self) -> int:
        self.settle()
        return self.n

    def settle(self) -> None:
        """Move the pending points into the arrays."""
        if self.pt:
            pt, pv = self.pt, self.pv
            self.pt, self.pv = [], []
            self.add(_floats(pt), _floats(pv))

    def _reserve(self, need: int) -> None:
        """Room for ``need`` points. The buffers grow in place when nothing else holds them: the
        pages of a large one are then moved by the kernel, not copied into fresh ones faulted in
        one by one, which was most of what folding a batch into a long series cost. While a
        reader holds a view of one it keeps it, and the points are copied into a new one."""
        if need <= len(self.t) and need <= len(self.v):
            return
        cap = max(need, 2 * len(self.t))
        for name in ("t", "v"):
            if len(getattr(self, name)) >= need:
                continue
            try:  # refcheck: refused while any view or other reference is alive
                if not _RESIZE_IN_PLACE:
                    raise ValueError
                getattr(self, name).resize(cap, refcheck=True)
            except ValueError:
                grown = np.empty(cap, _F8)
                grown[:self.n] = getattr(self, name)[:self.n]
                setattr(self, name, grown)

    def add_list(self, times: ev.Floats, values: ev.Floats) -> None:
        """Add points as events carry them: lists, or a fresh ingest's arrays."""
        if len(times) <= PENDING_BATCH:  # (extend, not +=: a list += an array adds element-wise)
            self.pt.extend(times)
            self.pv.extend(values)
            if len(self.pt) > PENDING_MOST:
                self.settle()
        else:
            self.add(_floats(times), _floats(values))

    def add(self, t: np.ndarray, v: np.ndarray) -> None:
        self.settle()
        t, v = last_write_wins(t, v)
        n, k = self.n, len(t)
        if k == 0:
            return
        if n == 0 or t[0] > self.t[n - 1]:  # the common case: newer than everything held
            self._reserve(n + k)
            self.t[n:n + k], self.v[n:n + k] = t, v
            self.n = n + k
            return
        lo = int(np.searchsorted(self.t[:n], t[0], "left"))
        mt, mv = last_write_wins(np.concatenate((self.t[lo:n], t)), np.concatenate((self.v[lo:n], v)))
        self._reserve(lo + len(mt))
        self.t[lo:lo + len(mt)], self.v[lo:lo + len(mt)] = mt, mv
        self.n = lo + len(mt)

    def delete(self, start: float, end: float) -> None:
        lo, hi = _bounds(self.times, start, end)
        if hi > lo:
            rest = self.n - hi
            self.t[lo:lo + rest] = self.t[hi:self.n]
            self.v[lo:lo + rest] = self.v[hi:self.n]
            self.n = lo + rest


class _Text:
    """One alphanumeric series: ascending times and their strings."""

    __slots__ = ("numeric", "texts")

    def __init__(self, t: np.ndarray | None = None, texts: list[str] | None = None) -> None:
        # The numeric buffer holds the times and, as values, each string's index in ``texts``.
        self.texts: list[str] = list(texts or [])
        self.numeric = _Numeric(t, np.arange(len(self.texts), dtype=_F8) if t is not None else None)

    def add(self, t: np.ndarray, texts: list[str]) -> None:
        base = len(self.texts)
        self.texts.extend(texts)
        self.numeric.add(t, np.arange(base, base + len(texts), dtype=_F8))
        self._compact()

    def delete(self, start: float, end: float) -> None:
        self.numeric.delete(start, end)
        self._compact()

    def _compact(self) -> None:
        """Reorder the strings to the times' order after a merge, replacement or delete."""
        idx = self.numeric.values.astype(np.int64)
        if len(idx) == len(self.texts) and bool(np.all(idx == np.arange(len(idx)))):
            return
        self.texts = [self.texts[i] for i in idx]
        self.numeric.v[:self.numeric.n] = np.arange(self.numeric.n, dtype=_F8)

    def strings(self, lo: int, hi: int) -> list[str]:
        return self.texts[lo:hi]


def _bounds(t: np.ndarray, start: float, end: float) -> tuple[int, int]:
    return int(np.searchsorted(t, start, "left")), int(np.searchsorted(t, end, "right"))


def bucket_ids(t: np.ndarray, interval: float) -> np.ndarray:
    """The bucket of each time: the integer b with ``b*interval <= t < (b+1)*interval``
    (products in float64), so that a point exactly on an edge opens its bucket."""
    b = np.floor(t / interval)
    b -= b * interval > t
    b += (b + 1) * interval <= t
    return b


def aggregate_sorted(t: np.ndarray, v: np.ndarray, interval: float, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate ascending times ``t`` (values ``v``) into epoch-aligned buckets of ``interval``
    seconds, stamped with each bucket's start; empty buckets are omitted. Pure; safe in a thread."""
    if fn not in FUNCTIONS:
        raise ValueError(f"unknown aggregation {fn!r}")
    if not (interval > 0 and math.isfinite(interval)):
        raise ValueError("interval must be a positive number")
    n = len(t)
    if n == 0:
        return _empty()
    ends = bucket_ids(t[[0, -1]], interval)
    first, last = float(ends[0]), float(ends[1])
    if last - first + 1 <= n:  # few buckets: find their edges by bisection, not per point
        edges = np.arange(first, last + 2, dtype=_F8) * interval
        idx = np.searchsorted(t, edges, "left")
        counts = np.diff(idx)
        full = counts > 0
        stamps, starts, counts = edges[:-1][full], idx[:-1][full], counts[full]
    else:
        b = bucket_ids(t, interval)
        starts = np.concatenate(([0], np.flatnonzero(b[1:] != b[:-1]) + 1))
        counts = np.diff(np.append(starts, n))
        stamps = b[starts] * interval
    return stamps, _reduce(v, starts, counts, fn)


def _reduce(v: np.ndarray, starts: np.ndarray, counts: np.ndarray, fn: str) -> np.ndarray:
    if fn == "count":
        return counts.astype(_F8)
    if fn == "min":
        return np.minimum.reduceat(v, starts)
    if fn == "max":
        return np.maximum.reduceat(v, starts)
    sums = np.add.reduceat(v, starts)
    if fn == "sum":
        return sums
    means = sums / counts
    if fn == "avg":
        return means
    dev = v - np.repeat(means, counts)  # two passes: stable where sum-of-squares is not
    return np.sqrt(np.add.reduceat(dev * dev, starts) / counts)  # population standard deviation


class Series:
    """View ``series``: every series' points, by ``(org_id, source, metric)``."""

    name = "series"

    def __init__(self) -> None:
        self.load(None)

    # -- folding ---------------------------------------------------------------------------

    def handlers(self) -> dict[type[Event], Any]:
        return {ev.PointsDeleted: self._deleted}

    def run_handlers(self) -> dict[type[Event], Any]:
        return {ev.PointsAdded: self._added}

    def _added(self, recorded: Sequence[Recorded], events: Sequence[ev.PointsAdded]) -> None:
        get = self._numeric.get
        for e in events:
            if e.texts is None and not e.chunks and len(e.times) <= PENDING_BATCH:
                num = get((e.org_id, e.source, e.metric))
                if num is not None:  # the hot path of a replay: _Numeric.add_list's, inlined
                    # (extend, not +=: a list += an array adds element-wise, numpy's way; ingest
                    # hands over arrays only for batches longer than these, and np.float64s
                    # among the waiting floats would be harmless)
                    num.pt.extend(e.times)
                    num.pv.extend(e.values)
                    if len(num.pt) > PENDING_MOST:
                        num.settle()
                    continue
            self._add_batch(e)

    def _add_batch(self, e: ev.PointsAdded) -> None:
        for chunk in e.series():
            key = (e.org_id, chunk.source, chunk.metric)
            if chunk.texts is not None:
                t = _floats(chunk.times)
                text = self._texts.get(key)
                if text is None:
                    text = self._texts[key] = _Text()
                    self._index(key)
                text.add(t, list(chunk.texts))
            else:
                num = self._numeric.get(key)
                if num is None:
                    num = self._numeric[key] = _Numeric()
                    self._index(key)
                num.add_list(chunk.times, chunk.values)

    def _deleted(self, env: Envelope, e: ev.PointsDeleted) -> None:
        key = (e.org_id, e.source, e.metric)
        for store in (self._numeric, self._texts):
            buf = store.get(key)
            if buf is None:
                continue
            buf.delete(e.start, e.end)
            if (buf.size() if isinstance(buf, _Numeric) else buf.numeric.size()) == 0:
                del store[key]
        if key not in self._numeric and key not in self._texts:
            self._by_metric.get((e.org_id, e.metric), set()).discard(e.source)

    def _index(self, key: Key) -> None:
        self._by_metric.setdefault((key[0], key[2]), set()).add(key[1])

    # -- state -----------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """Deterministic: series sorted by key, arrays as little-endian float64 bytes."""
        return {
            "numeric": [[k[0], k[1], k[2], b.times.tobytes(), b.values.tobytes()]
                        for k, b in sorted(self._numeric.items())],
            "texts": [[k[0], k[1], k[2], b.numeric.times.tobytes(), list(b.texts)]
                      for k, b in sorted(self._texts.items())],
        }

    def load(self, data: Any) -> None:
        self._numeric: dict[Key, _Numeric] = {}
        self._texts: dict[Key, _Text] = {}
        self._by_metric: dict[tuple[int, str], set[str]] = {}  # (org, metric) -> its sources
        if not data:
            return
        for org_id, source, metric, tb, vb in data["numeric"]:
            key = (int(org_id), source, metric)
            self._numeric[key] = _Numeric(np.frombuffer(tb, _F8).copy(), np.frombuffer(vb, _F8).copy())
            self._index(key)
        for org_id, source, metric, tb, texts in data["texts"]:
            key = (int(org_id), source, metric)
            self._texts[key] = _Text(np.frombuffer(tb, _F8).copy(), list(texts))
            self._index(key)

    # -- queries ---------------------------------------------------------------------------

    def view(self, org_id: int, source: str, metric: str, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Like ``window`` but without copying: read-only views of the stored arrays, valid only
        until the next event is folded (use them before the next ``await``)."""
        buf = self._numeric.get((org_id, source, metric))
        if buf is None:
            return _empty()
        lo, hi = _bounds(buf.times, start, end)  # .times settles pending points
        t, v = buf.t[lo:hi], buf.v[lo:hi]
        t.flags.writeable = v.flags.writeable = False
        return t, v

    def window(self, org_id: int, source: str, metric: str, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Times (ascending) and values with ``start <= t <= end``, as fresh arrays."""
        t, v = self.view(org_id, source, metric, start, end)
        return t.copy(), v.copy()

    def latest(self, org_id: int, source: str, metric: str) -> tuple[float, float] | None:
        buf = self._numeric.get((org_id, source, metric))
        if buf is None or buf.size() == 0:
            return None
        buf.settle()
        return float(buf.t[buf.n - 1]), float(buf.v[buf.n - 1])

    def aggregate(self, org_id: int, source: str, metric: str, start: float, end: float, interval: float,
                  fn: str) -> tuple[np.ndarray, np.ndarray]:
        """Per epoch-aligned bucket of ``interval`` seconds: ``fn`` of the points in the window.
        Stamped with the bucket start, empty buckets omitted, ascending. ``stddev`` is the
        population standard deviation."""
        t, v = self.view(org_id, source, metric, start, end)
        return aggregate_sorted(t, v, interval, fn)

    def nth(self, org_id: int, source: str, metric: str, start: float, end: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Every ``n``-th point of the window, starting with its first (oldest)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        t, v = self.view(org_id, source, metric, start, end)
        return t[::n].copy(), v[::n].copy()

    def sources_of(self, org_id: int, metric: str) -> set[str]:
        """The sources of one metric of the organization (the view's own set: do not change it,
        and do not keep it across an ``await``)."""
        return self._by_metric.get((org_id, metric), _NO_SOURCES)

    def series_keys(self, org_id: int) -> list[tuple[str, str]]:
        """(source, metric) of every series of the organization, numeric or not, sorted."""
        return sorted((source, metric) for (org, metric), sources in self._by_metric.items() if org == org_id
                      for source in sources)

    def count(self, org_id: int, source: str, metric: str) -> int:
        buf = self._numeric.get((org_id, source, metric))
        if buf is not None:
            return buf.size()
        text = self._texts.get((org_id, source, metric))
        return text.numeric.n if text is not None else 0

    # alphanumeric series

    def text_window(self, org_id: int, source: str, metric: str, start: float, end: float,
                    newest: int | None = None) -> tuple[np.ndarray, list[str]]:
        """Times and strings with ``start <= t <= end``; only the ``newest`` of them if given."""
        text = self._texts.get((org_id, source, metric))
        if text is None:
            return np.empty(0, _F8), []
        lo, hi = _bounds(text.numeric.times, start, end)
        if newest is not None:
            lo = max(lo, hi - newest)
        return text.numeric.t[lo:hi].copy(), text.strings(lo, hi)

    def latest_text(self, org_id: int, source: str, metric: str) -> tuple[float, str] | None:
        text = self._texts.get((org_id, source, metric))
        if text is None or text.numeric.n == 0:
            return None
        return float(text.numeric.t[text.numeric.n - 1]), text.texts[-1]
