"""The time axis: ticks on round UTC instants, from milliseconds to centuries.

Steps up to two weeks are fixed numbers of seconds aligned to the epoch (UTC midnights fall on
multiples of a day; weeks start on Monday). Months and years follow the calendar.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from .scales import Tick

_DAY = 86400.0
_WEEK = 7 * _DAY
# 1970-01-01 was a Thursday; weekly ticks count from Monday 1970-01-05.
_MONDAY = 4 * _DAY
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# (approximate seconds, unit, count). Neighbours are at most 2.5x apart so that the first
# step that fits leaves at least a third of the room used.
_STEPS: tuple[tuple[float, str, int], ...] = (
    *((s, "second", 0) for s in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)),
    *((s, "second", 0) for s in (1, 2, 5, 10, 15, 30)),
    *((m * 60.0, "second", 0) for m in (1, 2, 5, 10, 15, 30)),
    *((h * 3600.0, "second", 0) for h in (1, 2, 3, 6, 12)),
    (_DAY, "second", 0),
    (2 * _DAY, "second", 0),
    (3 * _DAY, "second", 0),
    (_WEEK, "week", 1),
    (2 * _WEEK, "week", 2),
    *((m * 30.44 * _DAY, "month", m) for m in (1, 2, 3, 6)),
    *((y * 365.25 * _DAY, "year", y) for y in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)),
)
_MAX_TICKS = 10


def time_ticks(start: float, end: float, pixels: float, char_width: float) -> tuple[Tick, ...]:
    """Ticks inside start..end, as many as fit in `pixels` without labels touching (<= 10)."""
    span = end - start
    chosen: tuple[Tick, ...] = ()
    for seconds, unit, count in _STEPS:
        room = max(1, min(_MAX_TICKS, int(pixels // ((_label_chars(seconds) + 4) * char_width))))
        if span / seconds > room:
            continue
        ticks = _ticks_for(start, end, seconds, unit, count)
        if len(ticks) <= room:
            return ticks
        chosen = ticks
    return chosen[:_MAX_TICKS]


def _label_chars(seconds: float) -> int:
    # Widest label of each kind: "23:59:59.999", "23:59:59", then "23:59", "Sep 30" or "2024".
    if seconds < 1:
        return 12
    if seconds < 60:
        return 8
    return 6


def _ticks_for(start: float, end: float, seconds: float, unit: str, count: int) -> tuple[Tick, ...]:
    if unit == "month":
        times = _calendar_times(start, end, count, months=True)
    elif unit == "year":
        times = _calendar_times(start, end, count, months=False)
    else:
        offset = _MONDAY if unit == "week" else 0.0
        first = math.ceil((start - offset) / seconds - 1e-9)
        last = math.floor((end - offset) / seconds + 1e-9)
        times = [offset + i * seconds for i in range(first, last + 1)]
    return tuple(Tick(t, _label(t, seconds)) for t in times)


def _calendar_times(start: float, end: float, count: int, months: bool) -> list[float]:
    """Midnights on the first of every `count`-th month (or January of every count-th year)."""
    first = _utc(start)
    index = first.year * 12 + first.month - 1 if months else first.year
    step = count
    index = -(-index // step) * step  # round up to a multiple of the step
    times = []
    while True:
        year, month = (index // 12, index % 12 + 1) if months else (index, 1)
        if year > 9999:
            break
        instant = (datetime(year, month, 1, tzinfo=timezone.utc) - _EPOCH).total_seconds()
        if instant > end:
            break
        if instant >= start:
            times.append(instant)
        index += step
    return times


def _label(t: float, step: float) -> str:
    moment = _utc(t)
    midnight = moment.hour == moment.minute == moment.second == moment.microsecond == 0
    if step < _DAY and not midnight:
        if step < 1:
            decimals = 3 if step < 0.01 else 2 if step < 0.1 else 1
            return moment.strftime("%H:%M:%S") + f"{moment.microsecond / 1e6:.{decimals}f}"[1:]
        return moment.strftime("%H:%M:%S" if step < 60 else "%H:%M")
    if moment.month == 1 and moment.day == 1:
        return str(moment.year)
    if step >= 28 * _DAY:
        return _MONTHS[moment.month - 1]
    return f"{_MONTHS[moment.month - 1]} {moment.day}"


def _utc(t: float) -> datetime:
    # timedelta arithmetic reaches years 1..9999, unlike fromtimestamp() on some platforms.
    return _EPOCH + timedelta(seconds=t)
