"""Points of time series. A series is keyed ``(org_id, source, metric)``: for M2X the source is
the device id (32 hex) and the metric the stream name; for Librato the source name ("" when
none) or a canonical tag string, and the metric name.

One accepted ingest batch is ONE ``PointsAdded`` event, whatever number of series it touches:
the first series sits in the top-level fields (the common single-series case reads naturally),
any further ones in ``chunks``. Streams: whatever entity the dialect writes for (M2X uses
``series-<device id>``); the projection does not look at the stream.

Times are float seconds since the epoch (UTC). Within a series a later write at the same
timestamp replaces the earlier one (last write wins), also inside one batch.

``times`` and ``values`` are lists of floats as decoded from the log. A batch the server has
just ingested may hold them as float64 numpy arrays instead (``Floats``): they are encoded
exactly as the lists would be (events.catalog), and the series view takes them without
converting. Code reading an event takes either (``len``, iteration, indexing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import msgspec

from events.base import Event

if TYPE_CHECKING:
    import numpy as np

    Floats = Union[list[float], np.ndarray]
else:  # what msgspec decodes the log into; a fresh ingest's float64 array is encoded alike
    Floats = list[float]


class SeriesPoints(msgspec.Struct, frozen=True, kw_only=True):
    """The points of one series in a batch. ``texts`` set: an alphanumeric series (M2X), whose
    values are strings; ``values`` is then empty."""

    source: str
    metric: str
    times: Floats
    values: Floats = []
    texts: list[str] | None = None


class PointsAdded(Event, frozen=True, tag="series.points_added"):
    org_id: int
    source: str = ""
    metric: str = ""
    times: Floats = []
    values: Floats = []
    texts: list[str] | None = None
    chunks: list[SeriesPoints] = []  # further series of the same batch

    def series(self) -> list[SeriesPoints]:
        """Every series of the batch, the top-level one first (when it has points)."""
        head = [SeriesPoints(source=self.source, metric=self.metric, times=self.times, values=self.values,
                             texts=self.texts)] if len(self.times) else []
        return head + list(self.chunks)


class PointsDeleted(Event, frozen=True, tag="series.points_deleted"):
    """Removes the points with ``start <= t <= end``; a series left empty disappears."""

    org_id: int
    source: str
    metric: str
    start: float
    end: float


def points_added(org_id: int, chunks: list[SeriesPoints]) -> PointsAdded:
    """One event for a batch covering one or several series."""
    if not chunks:
        raise ValueError("a batch needs at least one series")
    first, rest = chunks[0], chunks[1:]
    return PointsAdded(org_id=org_id, source=first.source, metric=first.metric, times=first.times,
                       values=first.values, texts=first.texts, chunks=list(rest))


EVENTS = (PointsAdded, PointsDeleted)
