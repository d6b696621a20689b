"""The big number: one series summarised to a single value, large, with its unit."""

from __future__ import annotations

import msgspec
import numpy as np

from . import theme
from .frame import Box, Text
from .model import ChartSpec, SeriesData
from .numbers import format_significant
from .reduce import window

_SUMMARY_WORDS = {
    "last": "latest",
    "average": "average",
    "sum": "sum",
    "min": "minimum",
    "max": "maximum",
    "count": "count",
}


class BigNumber(msgspec.Struct, frozen=True):
    """The number centred at (x, y) on its baseline, then its unit at 60 % size `gap` px after
    it, and a caption below."""

    x: float
    y: float
    number: str
    unit: str
    gap: float
    size: float
    caption: Text | None


def summarise(series: SeriesData, start: float, end: float, summary: str) -> float | None:
    """The summary of the finite values in start..end; None when there are none."""
    _, values = window(series.times, series.values, start, end)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    if summary == "count":
        return float(finite.size)
    if summary == "last":
        return float(finite[-1])
    reducer = {"average": np.mean, "sum": np.sum, "min": np.min, "max": np.max}[summary]
    return float(reducer(finite))


def big_number(spec: ChartSpec, value: float, series: SeriesData, area: Box) -> BigNumber:
    """The number sized to fill most of `area` without overflowing it."""
    unit = "" if spec.summary == "count" else spec.unit or series.unit
    number = format_significant(value)
    caption_room = 22 if area.h >= 90 else 0
    tight = not unit or unit.startswith(("%", "°"))
    chars = len(number) + 0.6 * (len(unit) + (0 if tight else 0.5))
    size = min((area.h - caption_room) * 0.8, (area.w * 0.92) / (chars * 0.62))
    size = max(10.0, min(size, 160.0))
    middle = area.y + (area.h - caption_room) / 2
    caption = None
    if caption_room:
        words = f"{_SUMMARY_WORDS[spec.summary]} · {series.name}" if series.name else _SUMMARY_WORDS[spec.summary]
        text = theme.fit_text(words, theme.TICK_SIZE, area.w)
        caption = Text(area.x + area.w / 2, middle + size * 0.35 + 20, text, "middle") if text else None
    # Centre on the cap height: a baseline 0.35 em below the middle.
    gap = 0.0 if tight else round(size * 0.2, 1)
    return BigNumber(area.x + area.w / 2, middle + size * 0.35, number, unit, gap, size, caption)
