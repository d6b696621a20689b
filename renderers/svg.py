"""Layout to SVG text. No decisions are made here, only formatting.

Every number is written with one decimal and every piece of text is escaped, so the same layout
always gives the same bytes and no label can break out of its element. Appearance is set with
presentation attributes on groups (inherited, and cheap for cairosvg to apply); the classes are
for selecting elements, in tests and in embedding pages' CSS.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from . import theme
from .bignumber import UNIT_SCALE, BigNumber
from .frame import Box, LegendItem, Text
from .layout import Layout, lay_out
from .marks import Mark
from .model import ChartSpec

# Labels are single lines: line breaks and tabs become spaces (a parser would turn a bare CR
# into LF anyway), and characters XML 1.0 cannot carry at all become U+FFFD.
_WHITESPACE = re.compile("[\t\n\r]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_svg(spec: ChartSpec) -> str:
    """The chart as a standalone SVG document. Pure: same spec, same bytes; inputs untouched.

    Raises RenderError when the spec cannot be drawn (size out of bounds, unknown kind, ...).
    """
    return emit(lay_out(spec))


def emit(layout: Layout) -> str:
    out: list[str] = [_open(layout)]
    if layout.title is not None:
        out.append(_text(layout.title, "title", f' font-size="{theme.TITLE_SIZE}" font-weight="bold" fill="{theme.TITLE_COLOR}"'))
    if layout.plot is not None:
        out.append(_y_axis(layout, layout.plot))
        out.append(_x_axis(layout, layout.plot))
    out.extend(_mark(m) for m in layout.marks)
    if layout.legend:
        out.append(_legend(layout.legend))
    if layout.no_data is not None:
        out.append(_text(layout.no_data, "no-data", f' font-size="{theme.NO_DATA_SIZE}" fill="{theme.MUTED_COLOR}"'))
    if layout.bignumber is not None:
        out.append(_bignumber(layout.bignumber))
    out.append("</svg>\n")
    return "".join(out)


def clean(text: str) -> str:
    """Text safe inside an element: escaped, and free of characters XML cannot carry."""
    return escape(_NOT_XML.sub("\ufffd", _WHITESPACE.sub(" ", text)))


def _attr(text: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", _WHITESPACE.sub(" ", text)))


def _open(layout: Layout) -> str:
    w, h = layout.width, layout.height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"'
        f' class="broadsheet chart-{layout.kind}" role="img" aria-label={_attr(layout.label)}'
        f' font-family="{theme.FONT_FAMILY}">'
        f"<title>{clean(layout.label)}</title>"
        f'<rect class="background" width="{w}" height="{h}" fill="{theme.BACKGROUND}"/>'
    )


def _text(t: Text, cls: str, style: str = "") -> str:
    anchor = "" if t.anchor == "start" else f' text-anchor="{t.anchor}"'
    return f'<text class="{cls}" x="{t.x:.1f}" y="{t.y:.1f}"{anchor}{style}>{clean(t.text)}</text>'


def _y_axis(layout: Layout, plot: Box) -> str:
    grid = "".join(f"M{plot.x:.1f},{t.at:.1f}H{plot.x + plot.w:.1f}" for t in layout.y_ticks)
    parts = [f'<g class="axis axis-y" font-size="{theme.TICK_SIZE}" fill="{theme.TEXT_COLOR}">']
    if grid:
        parts.append(f'<path class="grid" d="{grid}" stroke="{theme.GRID_COLOR}" stroke-width="1" fill="none"/>')
    if layout.zero_y is not None:
        parts.append(
            f'<path class="zero" d="M{plot.x:.1f},{layout.zero_y:.1f}H{plot.x + plot.w:.1f}"'
            f' stroke="{theme.ZERO_COLOR}" stroke-width="1" fill="none"/>'
        )
    parts.extend(_text(t.label, "tick-label") for t in layout.y_ticks if t.label is not None)
    parts.append("</g>")
    return "".join(parts)


def _x_axis(layout: Layout, plot: Box) -> str:
    bottom = plot.y + plot.h
    ticks = "".join(f"M{t.at:.1f},{bottom:.1f}v4" for t in layout.x_ticks)
    parts = [
        f'<g class="axis axis-x" font-size="{theme.TICK_SIZE}" fill="{theme.TEXT_COLOR}">',
        f'<path class="baseline" d="M{plot.x:.1f},{bottom:.1f}H{plot.x + plot.w:.1f}{ticks}"'
        f' stroke="{theme.AXIS_COLOR}" stroke-width="1" fill="none"/>',
    ]
    parts.extend(_text(t.label, "tick-label") for t in layout.x_ticks if t.label is not None)
    parts.append("</g>")
    return "".join(parts)


def _mark(mark: Mark) -> str:
    cls = f"series series-{mark.index}"
    parts = [f'<g class="{cls}">']
    if mark.paths:
        d = "".join(_path_data(x, y, mark.area) for x, y in mark.paths)
        if mark.area:
            style = f'fill="{mark.color}" fill-opacity="{theme.AREA_OPACITY}" stroke="{mark.color}" stroke-width="1"'
        else:
            style = f'fill="none" stroke="{mark.color}" stroke-width="{theme.LINE_WIDTH}"'
        parts.append(f'<path class="{"area" if mark.area else "line"}" d="{d}" {style} stroke-linejoin="round" stroke-linecap="round"/>')
    parts.extend(
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="{theme.DOT_RADIUS}" fill="{mark.color}"/>'
        for x, y in mark.dots
    )
    parts.append("</g>")
    return "".join(parts)


def _path_data(x: np.ndarray, y: np.ndarray, closed: bool) -> str:
    points = np.column_stack((x, y)).ravel().tolist()
    # One %-format over the whole run: far faster than formatting point by point.
    body = ("L%.1f,%.1f" * (len(points) // 2)) % tuple(points)
    return "M" + body[1:] + ("Z" if closed else "")


def _legend(items: tuple[LegendItem, ...]) -> str:
    parts = [f'<g class="legend" font-size="{theme.LEGEND_SIZE}" fill="{theme.TEXT_COLOR}">']
    for item in items:
        if item.index < 0:
            parts.append(_text(Text(item.x, item.y + 9.5, item.label), "legend-more"))
            continue
        parts.append(
            f'<g class="legend-item series-{item.index}"><rect x="{item.x:.1f}" y="{item.y:.1f}"'
            f' width="10" height="10" rx="2" fill="{item.color}"/>'
            + _text(Text(item.x + 15, item.y + 9.5, item.label), "legend-label")
            + "</g>"
        )
    parts.append("</g>")
    return "".join(parts)


def _bignumber(big: BigNumber) -> str:
    style = f'font-weight="bold" fill="{theme.TITLE_COLOR}"'
    parts = [
        f'<g class="bignumber" {style}>',
        f'<text class="value" x="{big.split:.1f}" y="{big.baseline:.1f}" text-anchor="end"'
        f' font-size="{big.size:.1f}">{clean(big.number)}</text>',
    ]
    if big.unit:
        parts.append(
            f'<text class="unit" x="{big.split + big.gap:.1f}" y="{big.baseline:.1f}"'
            f' font-size="{big.size * UNIT_SCALE:.1f}" fill="{theme.TEXT_COLOR}">{clean(big.unit)}</text>'
        )
    parts.append("</g>")
    if big.caption is not None:
        parts.append(_text(big.caption, "caption", f' font-size="{theme.TICK_SIZE}" fill="{theme.TEXT_COLOR}"'))
    return "".join(parts)
