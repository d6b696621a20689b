"""Librato metric definitions, and what the shared series events cannot carry.

Streams: ``metric-<org_id>-<key>`` for a metric's definition (``key`` is its name in lower case:
Librato names are case-insensitive); the points themselves are ``series.points_added`` events
(events/series.py) on ``series-librato-<org_id>``, next to which a ``librato.summaries.recorded``
keeps the summary statistics of gauges sent as ``count``/``sum``/``min``/``max``/``sum_squares``
(the series holds their mean, ``sum / count``).
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.base import Event


class MetricCreated(Event, frozen=True, tag="librato.metric.created"):
    org_id: int
    key: str  # the name in lower case: the metric of its series
    name: str  # as first written
    type: str  # "gauge" | "counter"
    period: int | None = None
    display_name: str | None = None
    description: str | None = None
    attributes: dict[str, Any] = {}


class MetricUpdated(Event, frozen=True, tag="librato.metric.updated"):
    """The metric's editable fields as they are after the update (a whole replacement)."""

    org_id: int
    key: str
    period: int | None = None
    display_name: str | None = None
    description: str | None = None
    attributes: dict[str, Any] = {}


class MetricDeleted(Event, frozen=True, tag="librato.metric.deleted"):
    """The definition goes; its points go by ``series.points_deleted`` events in the same append."""

    org_id: int
    key: str


class SummaryRow(msgspec.Struct, frozen=True, array_like=True):
    """One summarised point: series (source, metric) and time, and the statistics sent."""

    source: str
    metric: str
    time: float
    count: int
    sum: float
    min: float | None = None
    max: float | None = None
    sum_squares: float | None = None


class SummariesRecorded(Event, frozen=True, tag="librato.summaries.recorded"):
    """Appended right after the batch's ``series.points_added``, in the same append."""

    org_id: int
    rows: list[SummaryRow] = []


EVENTS = (MetricCreated, MetricUpdated, MetricDeleted, SummariesRecorded)
