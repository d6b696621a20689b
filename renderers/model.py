"""What the renderer is given: a chart spec and its series, and what it refuses.

Values are frozen msgspec Structs. numpy arrays inside them are not copied, so the renderer
promises (and the tests check) that it never writes to them.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec
import numpy as np
import numpy.typing as npt

# Size bounds, in pixels, for both SVG and PNG. 50 px is the smallest useful sparkline (axes,
# title and legend are dropped as space runs out); 4000 px per side keeps a PNG under 64 MB of
# RGBA while still covering a 4K wall display.
MIN_SIZE = 50
MAX_WIDTH = 4000
MAX_HEIGHT = 4000

# The shortest time window, a microsecond: below it the x scale would divide by nearly nothing.
MIN_SPAN = 1e-6

Kind = Literal["line", "stacked", "bignumber"]
Summary = Literal["last", "average", "sum", "min", "max", "count"]
KINDS: frozenset[str] = frozenset({"line", "stacked", "bignumber"})
SUMMARIES: frozenset[str] = frozenset({"last", "average", "sum", "min", "max", "count"})

# datetime can label 0001-01-01 .. 9999-12-31 only.
_FIRST_TIME = -62135596800.0
_LAST_TIME = 253402300799.0

FloatArray = npt.NDArray[np.float64]


class RenderError(ValueError):
    """A chart that cannot be drawn as asked; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SeriesData(msgspec.Struct, frozen=True):
    """One series: `times` in epoch seconds ascending, `values` with NaN for a missing point."""

    name: str
    times: FloatArray
    values: FloatArray
    unit: str = ""
    color: str | None = None


class ChartSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one chart needs. The x axis spans exactly `start`..`end` (epoch seconds)."""

    title: str
    kind: Kind
    series: tuple[SeriesData, ...]
    start: float
    end: float
    width: int = 600
    height: int = 300
    unit: str = ""
    summary: Summary = "last"


def check_size(width: int, height: int) -> None:
    """Raise RenderError unless MIN_SIZE <= width <= MAX_WIDTH and MIN_SIZE <= height <= MAX_HEIGHT."""
    for field, value, top in (("width", width, MAX_WIDTH), ("height", height, MAX_HEIGHT)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RenderError(field, f"must be an integer, not {type(value).__name__}")
        if not MIN_SIZE <= value <= top:
            raise RenderError(field, f"must be between {MIN_SIZE} and {top} pixels")


def check_spec(spec: ChartSpec) -> None:
    """Raise RenderError for anything render_svg cannot draw faithfully."""
    check_size(spec.width, spec.height)
    if spec.kind not in KINDS:
        raise RenderError("kind", f"must be one of {', '.join(sorted(KINDS))}")
    if spec.summary not in SUMMARIES:
        raise RenderError("summary", f"must be one of {', '.join(sorted(SUMMARIES))}")
    for field, value in (("start", spec.start), ("end", spec.end)):
        if not isinstance(value, (int, float)) or not _FIRST_TIME <= value <= _LAST_TIME:
            raise RenderError(field, "must be a finite time between years 1 and 9999")
    if not spec.end - spec.start >= MIN_SPAN:
        raise RenderError("end", "must be at least a microsecond after start")
    for series in spec.series:
        _check_series(series)


def _check_series(series: SeriesData) -> None:
    times = np.asarray(series.times)
    values = np.asarray(series.values)
    if times.ndim != 1 or values.shape != times.shape:
        raise RenderError("series", f"{series.name!r}: times and values must be 1-d and equal length")
    if times.size and not (math.isfinite(times[0]) and math.isfinite(times[-1])):
        raise RenderError("series", f"{series.name!r}: times must be finite")
    # One vectorised pass: a NaN in the middle also fails the comparison.
    if times.size > 1 and not bool(np.all(times[1:] >= times[:-1])):
        raise RenderError("series", f"{series.name!r}: times must be ascending")
