"""The series as geometry: lines and stacked bands, first in data space, then in pixels.

Data space has x in reduction columns (0..columns, the reduction's own resolution) and y in
data values; the value scale is chosen from it before anything is placed on the canvas.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
import numpy as np

from .frame import Box
from .reduce import LIMIT, FloatArray, Runs

Y = TypeVar("Y", FloatArray, float)


class Stack(msgspec.Struct, frozen=True):
    """Series stacked on a shared grid: band i spans lower[i]..upper[i] where present[i]."""

    grid: FloatArray
    lower: FloatArray  # (series, grid)
    upper: FloatArray
    present: np.ndarray  # bool (series, grid)


class Mark(msgspec.Struct, frozen=True):
    """One series in pixels: polylines (closed polygons when `area`) and isolated dots."""

    index: int
    color: str
    area: bool
    paths: tuple[tuple[FloatArray, FloatArray], ...]
    dots: tuple[tuple[float, float], ...]


class Plane(msgspec.Struct, frozen=True):
    """Data space to pixels: x columns onto the plot's width, y lo..hi onto its height."""

    plot: Box
    columns: int
    lo: float
    hi: float

    def px(self, x: FloatArray) -> FloatArray:
        return self.plot.x + x * (self.plot.w / self.columns)

    def py(self, y: Y) -> Y:
        """Values (an array, or one float) to pixel heights."""
        return self.plot.y + (self.hi - y) * (self.plot.h / (self.hi - self.lo))


def run_range(runs: list[Runs]) -> tuple[float, float] | None:
    """The smallest and largest value drawn, or None when nothing is."""
    drawn = [r.y for r in runs if r.y.size]
    if not drawn:
        return None
    return float(min(y.min() for y in drawn)), float(max(y.max() for y in drawn))


def stack(runs: list[Runs], columns: int) -> Stack:
    """Stack series on the union of their points (or on column centres when that is finer than
    the plot). A series counts as 0 where it has no data, and its own band is left out there."""
    xs: FloatArray = np.unique(np.concatenate([r.x for r in runs])) if runs else np.empty(0)
    grid: FloatArray = xs if xs.size <= 2 * columns else np.arange(columns, dtype=np.float64) + 0.5
    values = np.zeros((len(runs), grid.size))
    present = np.zeros((len(runs), grid.size), dtype=bool)
    for i, r in enumerate(runs):
        values[i], present[i] = _on_grid(r, grid)
    upper = np.clip(np.cumsum(np.where(present, values, 0.0), axis=0), -LIMIT, LIMIT)
    lower = np.vstack((np.zeros((1, grid.size)), upper[:-1]))
    return Stack(grid, lower, upper, present)


def _on_grid(r: Runs, grid: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Values of a series at grid positions, interpolated inside runs, and where it has any."""
    n = r.x.size
    if n == 0:
        return np.zeros(grid.size), np.zeros(grid.size, dtype=bool)
    run_id = np.zeros(n, dtype=np.intp)
    run_id[r.starts[1:]] = 1
    run_id = np.cumsum(run_id)
    left = np.searchsorted(r.x, grid, side="right") - 1
    safe = np.clip(left, 0, n - 1)
    following = np.clip(left + 1, 0, n - 1)
    exact = (left >= 0) & (r.x[safe] == grid)
    inside = (left >= 0) & (left < n - 1) & (run_id[safe] == run_id[following])
    # Points closer than float precision can make interpolation overflow; clamp like the data.
    values = np.clip(np.nan_to_num(np.interp(grid, r.x, r.y)), -LIMIT, LIMIT)
    return values, exact | inside


def stack_range(s: Stack) -> tuple[float, float] | None:
    if not s.present.any():
        return None
    return min(0.0, float(s.upper.min())), max(0.0, float(s.upper.max()))


def line_mark(index: int, color: str, runs: Runs, plane: Plane) -> Mark:
    px, py = plane.px(runs.x), plane.py(runs.y)
    paths, dots = [], []
    for a, b in runs.bounds():
        if b - a > 1:
            paths.append((px[a:b], py[a:b]))
        if px[b - 1] - px[a] < 1:  # too short to see as a line: mark it with a dot
            dots.append((float(px[b - 1]), float(py[b - 1])))
    return Mark(index, color, False, tuple(paths), tuple(dots))


def band_mark(index: int, color: str, s: Stack, plane: Plane) -> Mark:
    px = plane.px(s.grid)
    upper, lower = plane.py(s.upper[index]), plane.py(s.lower[index])
    paths, dots = [], []
    for a, b in _true_ranges(s.present[index]):
        if b - a == 1:
            dots.append((float(px[a]), float(upper[a])))
            continue
        ring_x = np.concatenate((px[a:b], px[a:b][::-1]))
        ring_y = np.concatenate((upper[a:b], lower[a:b][::-1]))
        paths.append((ring_x, ring_y))
    return Mark(index, color, True, tuple(paths), tuple(dots))


def _true_ranges(mask: np.ndarray) -> list[tuple[int, int]]:
    """[a, b) index ranges where `mask` is True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
