"""A chart spec turned into a frozen Layout: every position, label and path decided.

Emitting SVG from a Layout is then a straight walk with no decisions left (see svg.py).
"""

from __future__ import annotations

import msgspec

from . import theme
from .bignumber import BigNumber, big_number, summarise
from .frame import Box, LegendItem, Rows, Text, horizontal, vertical
from .marks import Mark, Plane, band_mark, line_mark, run_range, stack, stack_range
from .model import ChartSpec, check_spec
from .reduce import How, reduce_series
from .scales import ValueScale, tick_target, value_scale
from .timescale import time_ticks

NO_DATA = "No data"


class AxisTick(msgspec.Struct, frozen=True):
    """A tick or grid line at pixel `at`, with its label when there is room for one."""

    at: float
    label: Text | None


class Layout(msgspec.Struct, frozen=True):
    width: int
    height: int
    kind: str
    label: str
    title: Text | None = None
    plot: Box | None = None
    x_ticks: tuple[AxisTick, ...] = ()
    y_ticks: tuple[AxisTick, ...] = ()
    zero_y: float | None = None
    marks: tuple[Mark, ...] = ()
    legend: tuple[LegendItem, ...] = ()
    no_data: Text | None = None
    bignumber: BigNumber | None = None


def lay_out(spec: ChartSpec) -> Layout:
    """Validate `spec` (RenderError on bad input) and place everything."""
    check_spec(spec)
    if spec.kind == "bignumber":
        return _bignumber(spec)
    # Reduce at the canvas width: at least one column per plot pixel, whatever the margins.
    columns = spec.width
    how: How = "mean" if spec.kind == "stacked" else "extremes"
    runs = [reduce_series(s.times, s.values, spec.start, spec.end, columns, how) for s in spec.series]
    stacked = stack(runs, columns) if spec.kind == "stacked" else None
    span = stack_range(stacked) if stacked is not None else run_range(runs)
    colors = [theme.series_color(s.color, i) for i, s in enumerate(spec.series)]
    entries = [(s.name, c) for s, c in zip(spec.series, colors)] if span else []
    rows = vertical(spec.width, spec.height, spec.title, entries)
    if span is None:
        return _empty(spec, rows)
    scale = value_scale(*span, tick_target(rows.plot_bottom - rows.plot_top), _axis_unit(spec))
    plot = horizontal(spec.width, rows, _y_labels(spec, scale))
    plane = Plane(plot, columns, scale.lo, scale.hi)
    if stacked is not None:
        marks = [band_mark(i, c, stacked, plane) for i, c in enumerate(colors)]
    else:
        marks = [line_mark(i, c, r, plane) for i, (c, r) in enumerate(zip(colors, runs))]
    return Layout(
        spec.width, spec.height, spec.kind, spec.title, rows.title, plot,
        x_ticks=_x_ticks(spec, rows, plot),
        y_ticks=_y_ticks(spec, scale, plane),
        zero_y=plane.py(0.0) if scale.lo < 0 < scale.hi else None,
        marks=tuple(m for m in marks if m.paths or m.dots),
        legend=rows.legend,
    )  # fmt: skip


def _axis_unit(spec: ChartSpec) -> str:
    """The chart's unit, or the series' when they all agree."""
    units = {s.unit for s in spec.series}
    return spec.unit or (units.pop() if len(units) == 1 else "")


def _y_labels(spec: ChartSpec, scale: ValueScale) -> list[str]:
    return [t.label for t in scale.ticks] if spec.width >= 150 else []


def _y_ticks(spec: ChartSpec, scale: ValueScale, plane: Plane) -> tuple[AxisTick, ...]:
    ticks = []
    for tick in scale.ticks:
        at = plane.py(tick.value)
        label = Text(plane.plot.x - 6, at + 4, tick.label, "end") if spec.width >= 150 else None
        ticks.append(AxisTick(at, label))
    return tuple(ticks)


def _x_ticks(spec: ChartSpec, rows: Rows, plot: Box) -> tuple[AxisTick, ...]:
    char = theme.TICK_SIZE * 0.62
    ticks = []
    for tick in time_ticks(spec.start, spec.end, plot.w, char):
        at = plot.x + (tick.value - spec.start) * (plot.w / (spec.end - spec.start))
        label = None
        if rows.x_labels:
            # Keep edge labels on the canvas; the tick itself stays where the time is.
            half = theme.text_width(tick.label, theme.TICK_SIZE) / 2
            x = min(max(at, half + 2), spec.width - half - 2)
            label = Text(x, plot.y + plot.h + 15, tick.label, "middle")
        ticks.append(AxisTick(at, label))
    return tuple(ticks)


def _empty(spec: ChartSpec, rows: Rows) -> Layout:
    """The explicit "No data" state: the frame and time axis with a message in the plot."""
    plot = horizontal(spec.width, rows, [])
    message = Text(plot.x + plot.w / 2, plot.y + plot.h / 2 + theme.NO_DATA_SIZE * 0.35, NO_DATA, "middle")
    return Layout(
        spec.width, spec.height, spec.kind, spec.title, rows.title, plot,
        x_ticks=_x_ticks(spec, rows, plot), no_data=message,
    )  # fmt: skip


def _bignumber(spec: ChartSpec) -> Layout:
    rows = vertical(spec.width, spec.height, spec.title, [])
    top = rows.plot_top
    area = Box(theme.PAD, top, spec.width - 2 * theme.PAD, spec.height - theme.PAD - top)
    for series in spec.series:
        value = summarise(series, spec.start, spec.end, spec.summary)
        if value is not None:
            number = big_number(spec, value, series, area)
            return Layout(spec.width, spec.height, spec.kind, spec.title, rows.title, bignumber=number)
    message = Text(area.x + area.w / 2, area.y + area.h / 2 + theme.NO_DATA_SIZE * 0.35, NO_DATA, "middle")
    return Layout(spec.width, spec.height, spec.kind, spec.title, rows.title, no_data=message)
