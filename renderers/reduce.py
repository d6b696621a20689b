"""Series reduced to what a plot of `columns` pixels can show, with their gaps.

Sparse series (at most two points per pixel column) keep every finite point. Dense ones keep,
per pixel column, its minimum and maximum (or its mean, for stacking), so that every peak and
trough survives and a million points cost one vectorised pass instead of a million path
commands. Either way the result is a handful of runs: polylines to draw without a break.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
How = Literal["extremes", "mean"]

# Above this many points per column on average a series is reduced per column: two points
# (min and max) per column then draw the same pixels as all of them.
DENSE_PER_COLUMN = 2
# A time step this many times the typical one is a gap, drawn as a break in the line.
GAP_FACTOR = 5.0
# Values are clamped to +-LIMIT so that stacking and pixel arithmetic cannot overflow.
LIMIT = 1e300


class Runs(msgspec.Struct, frozen=True):
    """Points in plot pixels along x (0..columns) with data values along y.

    `starts` holds the index of the first point of each run; a run ends where the next starts.
    """

    x: FloatArray
    y: FloatArray
    starts: IntArray

    def bounds(self) -> list[tuple[int, int]]:
        ends = [*self.starts[1:].tolist(), len(self.x)]
        return list(zip(self.starts.tolist(), ends))


EMPTY = Runs(np.empty(0), np.empty(0), np.empty(0, dtype=np.intp))


def window(times: object, values: object, start: float, end: float) -> tuple[FloatArray, FloatArray]:
    """The points with start <= time <= end, as float64 views (never copies of the caller's data
    unless the dtype differs; never written to)."""
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    lo = int(np.searchsorted(t, start, side="left"))
    hi = int(np.searchsorted(t, end, side="right"))
    return t[lo:hi], v[lo:hi]


def reduce_series(
    times: object, values: object, start: float, end: float, columns: int, how: How = "extremes"
) -> Runs:
    """The runs to draw for one series over start..end on a plot `columns` pixels wide."""
    t, v = window(times, values, start, end)
    if t.size == 0:
        return EMPTY
    if t.size <= DENSE_PER_COLUMN * columns:
        runs = _sparse(t, v, start, columns / (end - start))
    else:
        runs = _dense(t, v, start, end, columns, how)
    if runs.y.size == 0:
        return runs
    return Runs(runs.x, np.clip(runs.y, -LIMIT, LIMIT), runs.starts)  # the one clamp of drawn values


def _sparse(t: FloatArray, v: FloatArray, start: float, scale: float) -> Runs:
    finite = np.isfinite(v)
    index = np.flatnonzero(finite)
    if index.size == 0:
        return EMPTY
    kept_t = t[index]
    step = np.diff(t)
    positive = step[step > 0]
    limit = GAP_FACTOR * float(np.median(positive)) if positive.size >= 2 else np.inf
    # A run breaks where a missing value sits between two points, or where time jumps.
    breaks = (np.diff(index) > 1) | (np.diff(kept_t) > limit)
    starts = np.concatenate(([0], np.flatnonzero(breaks) + 1)).astype(np.intp)
    return Runs((kept_t - start) * scale, v[index], starts)


def _dense(t: FloatArray, v: FloatArray, start: float, end: float, columns: int, how: How) -> Runs:
    # Column c holds the points in [edge c, edge c+1); searching the edges costs O(columns log n)
    # instead of computing a column for each of the n points.
    edges = start + np.arange(columns + 1) * ((end - start) / columns)
    bounds = np.searchsorted(t, edges, side="left")
    bounds[0], bounds[-1] = 0, t.size
    lo, hi = bounds[:-1], bounds[1:]
    if bool(np.isfinite(v).all()):
        counts = hi - lo
    else:
        index = np.flatnonzero(np.isfinite(v))
        counts = np.searchsorted(index, hi) - np.searchsorted(index, lo)
        v = np.where(np.isfinite(v), v, np.nan)  # a new array: inf becomes a gap, like NaN
    filled = np.flatnonzero(counts > 0)
    if filled.size == 0:
        return EMPTY
    # reduceat over the starts of non-empty columns: each segment runs to the next start, and
    # the points of empty-by-NaN columns fall in their neighbour's segment harmlessly (fmin and
    # fmax ignore NaN); runs break at every column without a finite point.
    seg = lo[filled]
    gaps = np.flatnonzero(np.diff(filled) > 1) + 1
    centres = filled.astype(np.float64) + 0.5
    if how == "mean":
        finite_v = np.where(np.isnan(v), 0.0, v) if counts.sum() != t.size else v
        with np.errstate(over="ignore", invalid="ignore"):  # a huge sum overflows: made finite here, clamped by reduce_series
            means = np.add.reduceat(finite_v, seg) / counts[filled]
        return Runs(centres, np.nan_to_num(means), np.concatenate(([0], gaps)).astype(np.intp))
    return _extremes(v, seg, lo[filled], centres, gaps)


def _extremes(v: FloatArray, seg: IntArray, firsts: IntArray, centres: FloatArray, gaps: IntArray) -> Runs:
    low = np.fmin.reduceat(v, seg)
    high = np.fmax.reduceat(v, seg)
    # Draw each column from the extreme nearer its first point to the other one, so the line
    # reaches the column roughly where the data does.
    first = v[firsts]
    first = np.where(np.isnan(first), low, first)
    low_first = np.abs(first - low) <= np.abs(high - first)
    pairs = np.where(low_first[:, None], np.stack((low, high), 1), np.stack((high, low), 1))
    starts = (np.concatenate(([0], gaps)) * 2).astype(np.intp)
    return Runs(np.repeat(centres, 2), pairs.ravel(), starts)
