"""Where the title, the plot, the axes' labels and the legend go on the canvas.

Space is handed out top-down; when a chart is too small for everything, the legend goes first,
then the time labels, then the title, so that even a 50 px sparkline keeps its plot.
"""

from __future__ import annotations

import msgspec

from . import theme

_TITLE_BLOCK = 24
_X_LABELS_BLOCK = 18
_LEGEND_ROW = 16
_LEGEND_SWATCH = 10
_LEGEND_GAP = 16
_MIN_PLOT_HEIGHT = 40


class Text(msgspec.Struct, frozen=True):
    x: float
    y: float
    text: str
    anchor: str = "start"


class Box(msgspec.Struct, frozen=True):
    x: float
    y: float
    w: float
    h: float


class LegendItem(msgspec.Struct, frozen=True):
    """A swatch at (x, y) (top-left) and its label; index -1 marks the "+N more" remainder."""

    index: int
    x: float
    y: float
    color: str
    label: str


class Rows(msgspec.Struct, frozen=True):
    """The vertical plan: the plot's top and bottom, and what else found room."""

    title: Text | None
    plot_top: float
    plot_bottom: float
    x_labels: bool
    legend: tuple[LegendItem, ...]


def vertical(width: int, height: int, title: str, entries: list[tuple[str, str]]) -> Rows:
    """Share the height out; `entries` are (name, colour) pairs, shown as a legend if >= 2."""
    title = theme.fit_text(title, theme.TITLE_SIZE, width - 2 * theme.PAD)
    max_rows = 1 + (height >= 250) + (height >= 400)
    legend = legend_items(width, entries, max_rows) if len(entries) >= 2 else ()
    x_labels = True
    while True:
        rows = _legend_rows(legend)
        top = theme.PAD + (_TITLE_BLOCK if title else 0)
        axis = _X_LABELS_BLOCK if x_labels else 4
        bottom = height - theme.PAD - axis - rows * _LEGEND_ROW
        if bottom - top >= _MIN_PLOT_HEIGHT or not (legend or x_labels or title):
            break
        if legend:
            legend = ()
        elif x_labels:
            x_labels = False
        else:
            title = ""
    heading = Text(theme.PAD, theme.PAD + theme.TITLE_SIZE, title) if title else None
    placed = tuple(msgspec.structs.replace(i, y=bottom + axis + 4 + i.y) for i in legend)
    return Rows(heading, float(top), float(max(bottom, top + 1)), x_labels, placed)


def legend_items(width: int, entries: list[tuple[str, str]], max_rows: int) -> tuple[LegendItem, ...]:
    """Items flowing left to right in up to `max_rows` rows; y is the row's offset (0, 16, ...).

    What does not fit is summed up as "+N more" at the end of the last row.
    """
    room = width - 2 * theme.PAD
    items: list[tuple[LegendItem, float]] = []  # each with the x where it ends
    x, row = 0.0, 0
    for index, (name, color) in enumerate(entries):
        label = theme.fit_text(name, theme.LEGEND_SIZE, max(80.0, room / 3)) or "…"
        size = _LEGEND_SWATCH + 5 + theme.text_width(label, theme.LEGEND_SIZE)
        if x > 0 and x + size > room:
            x, row = 0.0, row + 1
        if row == max_rows:
            return _with_remainder(items, len(entries), room)
        items.append((LegendItem(index, theme.PAD + x, row * _LEGEND_ROW, color, label), x + size))
        x += size + _LEGEND_GAP
    return tuple(item for item, _ in items)


def _with_remainder(items: list[tuple[LegendItem, float]], total: int, room: float) -> tuple[LegendItem, ...]:
    while True:
        more = f"+{total - len(items)} more"
        last, end = items[-1]
        if end + _LEGEND_GAP + theme.text_width(more, theme.LEGEND_SIZE) <= room or len(items) == 1:
            x = end + _LEGEND_GAP
            remainder = LegendItem(-1, theme.PAD + x, last.y, "", more)
            return (*(item for item, _ in items), remainder)
        items.pop()


def _legend_rows(legend: tuple[LegendItem, ...]) -> int:
    return len({item.y for item in legend})


def horizontal(width: int, rows: Rows, y_labels: list[str]) -> Box:
    """The plot box once the value labels are known: they take the left margin."""
    widest = max((theme.text_width(label, theme.TICK_SIZE) for label in y_labels), default=0.0)
    left = theme.PAD + (widest + 8 if widest and width >= 150 else 0)
    # Room on the right for half of the last time label.
    right = width - theme.PAD - (14 if rows.x_labels else 0)
    left = min(left, right - 20)
    return Box(round(left), rows.plot_top, round(right) - round(left), rows.plot_bottom - rows.plot_top)
