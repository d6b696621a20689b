"""How charts look: palette, type sizes, and the text measuring the layout relies on."""

from __future__ import annotations

import re

# cairosvg uses only the first family; fontconfig maps Helvetica to the nearest sans installed.
FONT_FAMILY = "Helvetica, Arial, sans-serif"
# Tableau 10: distinct at a glance, calm enough for dashboards.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
BACKGROUND = "#ffffff"
TITLE_COLOR = "#222222"
TEXT_COLOR = "#555555"
MUTED_COLOR = "#999999"
GRID_COLOR = "#ebebeb"
AXIS_COLOR = "#bdbdbd"
ZERO_COLOR = "#9e9e9e"

TITLE_SIZE = 14
TICK_SIZE = 11
LEGEND_SIZE = 11
NO_DATA_SIZE = 14
PAD = 10
LINE_WIDTH = 1.5
DOT_RADIUS = 2.5
AREA_OPACITY = 0.75

# Average advance of a character as a share of the font size: wide enough for DejaVu Sans digits,
# the widest sans likely to be installed, so labels never overlap in a PNG.
_CHAR_EM = 0.62
_COLOR = re.compile(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]{3,20}")


def text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR_EM


def fit_text(text: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so that it fits in `width` pixels ('' if nothing fits)."""
    room = int(width // (size * _CHAR_EM))
    if len(text) <= room:
        return text
    if room < 2:
        return ""
    return text[: room - 1].rstrip() + "…"


def series_color(color: str | None, index: int) -> str:
    """The series' own colour if it is a plain CSS colour, else the palette's; never raw input
    that could break out of an attribute."""
    if color is not None and _COLOR.fullmatch(color):
        return color
    return PALETTE[index % len(PALETTE)]
