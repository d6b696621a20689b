"""Charts: one model for M2X charts, Librato instruments and Librato space charts (and later
Grafana panels and PostHog insights). Stream: ``chart-N``.

A chart has an integer id (Librato, Grafana) and a 32-hex uid (M2X), a name, a kind, its series
(each a source and a metric with per-series drawing options) and free axis/display attributes.
``origin`` says which API made it, so each dialect lists its own kind of chart; any dialect may
still address any chart of its organization.
"""

from __future__ import annotations

import msgspec

from events.base import Event

# JSON scalars only: attributes are echoed back verbatim by the dialects.
Scalar = str | int | float | bool | None


class SeriesRef(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One plotted series: a source (M2X device id, Librato source or glob) and a metric (M2X
    stream, Librato metric), with the per-series options the dialects know."""

    source: str
    metric: str
    name: str | None = None
    color: str | None = None  # "#rrggbb"
    group_function: str | None = None  # average | sum | breakout | min | max
    summary_function: str | None = None  # average | sum | min | max | count
    transform_function: str | None = None
    downsample_function: str | None = None
    units_short: str | None = None
    units_long: str | None = None
    min: float | None = None
    max: float | None = None
    period: int | None = None
    split_axis: bool | None = None
    composite: str | None = None
    position: int | None = None
    gap_detection: bool | None = None


class ChartCreated(Event, frozen=True, tag="chart.created"):
    chart_id: int
    uid: str  # 32 lowercase hex
    org_id: int
    name: str
    kind: str = "line"  # line | stacked | bignumber
    series: tuple[SeriesRef, ...] = ()
    attributes: dict[str, Scalar] = {}  # axis and display options (min, max, label, use_log_yaxis, ...)
    origin: str = "m2x"  # m2x | instrument | space


class ChartUpdated(Event, frozen=True, tag="chart.updated"):
    """The chart's new name, kind, series and attributes, replacing the old ones wholesale."""

    chart_id: int
    name: str
    kind: str = "line"
    series: tuple[SeriesRef, ...] = ()
    attributes: dict[str, Scalar] = {}


class ChartDeleted(Event, frozen=True, tag="chart.deleted"):
    chart_id: int


EVENTS = (ChartCreated, ChartUpdated, ChartDeleted)
