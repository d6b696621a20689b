"""The big number: one series summarised to a single value, large, with its unit."""

from __future__ import annotations

import msgspec
import numpy as np

from . import theme
from .frame import Box, Text
from .model import ChartSpec, SeriesData
from .numbers import format_significant
from .reduce import LIMIT, window

_SUMMARY_WORDS = {
    "last": "latest",
    "average": "average",
    "sum": "sum",
    "min": "minimum",
    "max": "maximum",
    "count": "count",
}
# Bold digits run wider than the regular text the theme measures.
_BOLD_EM = 0.68
UNIT_SCALE = 0.5
_LONGEST_UNIT = 16


class BigNumber(msgspec.Struct, frozen=True):
    """The number ending at `split` on `baseline`, its unit starting `gap` px after it in a
    smaller size, and a caption below. Anchoring both at the split keeps the gap exact whatever
    font the viewer substitutes."""

    split: float
    baseline: float
    number: str
    unit: str
    gap: float
    size: float
    caption: Text | None


def summarise(series: SeriesData, start: float, end: float, summary: str) -> float | None:
    """The summary of the finite values in start..end; None when there are none."""
    _, values = window(series.times, series.values, start, end)
    finite = np.clip(values[np.isfinite(values)], -LIMIT, LIMIT)  # a sum of these stays finite
    if finite.size == 0:
        return None
    if summary == "count":
        return float(finite.size)
    if summary == "last":
        return float(finite[-1])
    if summary == "average":
        return float(finite.mean())
    if summary == "sum":
        return float(finite.sum())
    return float(finite.min() if summary == "min" else finite.max())


def big_number(spec: ChartSpec, value: float, series: SeriesData, area: Box) -> BigNumber:
    """The number sized to fill most of `area` without overflowing it."""
    unit = "" if spec.summary == "count" else spec.unit or series.unit
    if len(unit) > _LONGEST_UNIT:  # a sentence is not a unit
        unit = unit[: _LONGEST_UNIT - 1] + "…"
    number = format_significant(value)
    caption_room = 24 if area.h >= 90 else 0
    gap_em = 0.0 if not unit else 0.04 if unit.startswith(("%", "°")) else 0.2
    ems = len(number) * _BOLD_EM + gap_em + len(unit) * _BOLD_EM * UNIT_SCALE
    size = min((area.h - caption_room) * 0.75, area.w * 0.9 / ems, 160.0)
    size = max(4.0, size)  # tiny, but never past the edge of the canvas
    middle = area.y + (area.h - caption_room) / 2
    baseline = middle + size * 0.36  # centres the digits' cap height on the middle
    split = area.x + area.w / 2 - ems * size / 2 + len(number) * _BOLD_EM * size
    caption = None
    if caption_room:
        words = _SUMMARY_WORDS[spec.summary] + (f" · {series.name}" if series.name else "")
        text = theme.fit_text(words, theme.TICK_SIZE, area.w)
        caption = Text(area.x + area.w / 2, baseline + 22, text, "middle") if text else None
    return BigNumber(split, baseline, number, unit, gap_em * size, size, caption)
