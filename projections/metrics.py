"""Librato metric definitions and gauge summaries (view ``metrics``), and the pure fold of a metric.

The points are in the ``series`` view; this view adds what Librato shows around them: each
metric's type, display name, description, period and attributes; the sources (series) it was
written to through the Librato dialect (points appended on ``series-librato-<org_id>``, so an M2X
stream of the same name is never taken for it); and for points sent as a summary (``count``,
``sum``, ``min``, ``max``, ``sum_squares``) those statistics, by series and time. A later plain
point at the same time replaces the point in the series, so it drops the summary too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from events import metrics as ev
from events import series as sev
from events.base import Envelope, Event, Recorded

SeriesKey = tuple[int, str, str]  # (org_id, source, metric)
LIBRATO_STREAM = "series-librato-"  # + org_id: where the Librato dialect appends its points


class Metric(msgspec.Struct, kw_only=True):
    org_id: int
    key: str
    name: str
    type: str
    period: int | None = None
    display_name: str | None = None
    description: str | None = None
    attributes: dict[str, Any] = {}
    created_at: int = 0  # microseconds since the epoch
    updated_at: int = 0


class Stat(msgspec.Struct, frozen=True, array_like=True):
    count: int
    sum: float
    min: float | None = None
    max: float | None = None
    sum_squares: float | None = None


def evolve_metric(state: Metric | None, e: Event, at: int) -> Metric | None:
    match e:
        case ev.MetricCreated():
            return Metric(org_id=e.org_id, key=e.key, name=e.name, type=e.type, period=e.period,
                          display_name=e.display_name, description=e.description, attributes=dict(e.attributes),
                          created_at=at, updated_at=at)
        case ev.MetricUpdated() if state:
            return msgspec.structs.replace(state, period=e.period, display_name=e.display_name,
                                           description=e.description, attributes=dict(e.attributes), updated_at=at)
        case ev.MetricDeleted():
            return None
    return state


class Metrics:
    """View ``metrics``: definitions by (org_id, key), summaries by series and time."""

    name = "metrics"

    def __init__(self) -> None:
        self.load(None)

    def handlers(self) -> dict[type[Event], Any]:
        return {ev.MetricCreated: self._metric, ev.MetricUpdated: self._metric, ev.MetricDeleted: self._metric,
                ev.SummariesRecorded: self._summaries, sev.PointsDeleted: self._deleted}

    def run_handlers(self) -> dict[type[Event], Any]:
        return {sev.PointsAdded: self._points}

    def _metric(self, env: Envelope, e: Any) -> None:
        self.versions[(e.org_id, e.key)] = env.version
        defs = self.defs.setdefault(e.org_id, {})
        metric = evolve_metric(defs.get(e.key), e, env.recorded_at)
        if metric is None:
            defs.pop(e.key, None)
            for source in self.sources.pop((e.org_id, e.key), ()):
                self.stats.pop((e.org_id, source, e.key), None)
        else:
            defs[e.key] = metric

    def _summaries(self, env: Envelope, e: ev.SummariesRecorded) -> None:
        for r in e.rows:
            self.stats.setdefault((e.org_id, r.source, r.metric), {})[r.time] = \
                Stat(r.count, r.sum, r.min, r.max, r.sum_squares)

    def _points(self, recorded: Sequence[Recorded], events: Sequence[sev.PointsAdded]) -> None:
        sources, stats = self.sources, self.stats
        for rec, e in zip(recorded, events):
            librato = rec.stream.startswith(LIBRATO_STREAM)
            if librato or stats:
                chunks = e.series()
                if librato:
                    for chunk in chunks:
                        sources.setdefault((e.org_id, chunk.metric), set()).add(chunk.source)
                if stats:
                    self._forget_summaries(e.org_id, chunks)

    def _forget_summaries(self, org_id: int, chunks: list[sev.SeriesPoints]) -> None:
        """Raw points at a summary's time replace it."""
        for chunk in chunks:
            key = (org_id, chunk.source, chunk.metric)
            held = self.stats.get(key)
            if held:
                for t in chunk.times:
                    held.pop(t, None)
                if not held:
                    del self.stats[key]

    def _deleted(self, env: Envelope, e: sev.PointsDeleted) -> None:
        key = (e.org_id, e.source, e.metric)
        held = self.stats.get(key)
        if held:
            for t in [t for t in held if e.start <= t <= e.end]:
                del held[t]
            if not held:
                del self.stats[key]

    # -- state -------------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        return {"defs": [d[k] for o, d in sorted(self.defs.items()) for k in sorted(d)],
                "versions": [[o, k, v] for (o, k), v in sorted(self.versions.items())],
                "sources": [[o, k, sorted(v)] for (o, k), v in sorted(self.sources.items())],
                "stats": [[k[0], k[1], k[2], sorted(v.items())] for k, v in sorted(self.stats.items())]}

    def load(self, data: Any) -> None:
        self.defs: dict[int, dict[str, Metric]] = {}  # org_id -> key -> metric
        self.stats: dict[SeriesKey, dict[float, Stat]] = {}
        self.sources: dict[tuple[int, str], set[str]] = {}  # (org_id, key) -> sources written through Librato
        self.versions: dict[tuple[int, str], int] = {}  # (org_id, key) -> version of its stream (kept after a delete)
        if not data:
            return
        for m in msgspec.convert(data["defs"], list[Metric]):
            self.defs.setdefault(m.org_id, {})[m.key] = m
        for org_id, key, version in data["versions"]:
            self.versions[(int(org_id), key)] = int(version)
        for org_id, key, sources in data["sources"]:
            self.sources[(int(org_id), key)] = set(sources)
        for org_id, source, metric, rows in data["stats"]:
            self.stats[(int(org_id), source, metric)] = {float(t): msgspec.convert(s, Stat) for t, s in rows}

    # -- queries -----------------------------------------------------------------------------

    def get(self, org_id: int, name: str) -> Metric | None:
        return self.defs.get(org_id, {}).get(name.lower())

    def of_org(self, org_id: int) -> list[Metric]:
        return list(self.defs.get(org_id, {}).values())

    def version(self, org_id: int, key: str) -> int:
        """The version of the metric's stream: what a re-creation after a delete must expect."""
        return self.versions.get((org_id, key), 0)

    def sources_of(self, org_id: int, key: str) -> list[str]:
        """The sources (or canonical tag strings) this metric was written under, sorted."""
        return sorted(self.sources.get((org_id, key), ()))

    def summaries(self, org_id: int, source: str, metric: str) -> dict[float, Stat]:
        """Time -> statistics of the summarised points of one series (a live dict: read only)."""
        return self.stats.get((org_id, source, metric), {})
