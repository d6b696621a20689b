"""Many RFC 3339 timestamps to epoch seconds at once, vectorised with numpy.

Ingest batches carry up to 10,000 timestamps, nearly always in one layout
(``2024-05-01T10:00:00.000Z`` from JavaScript, ``…00.000000Z`` from the M2X python client).
Turning them one by one into ``datetime``s and then ``.timestamp()`` costs about 0.2 µs each,
more than decoding the JSON around them. Here the strings are joined into one byte matrix (a
row per timestamp), checked column by column against the layout of the first one, and turned
into microseconds since the epoch with one matrix product and two table look-ups.

:func:`epoch_seconds` answers only what it is sure of: every string in the first one's layout,
every field in range, every time in 1970..2199. For anything else it answers None and the
caller parses one by one, with the errors that name the field. Where it answers, the result is
exactly ``datetime.fromisoformat(s).timestamp()``: the same microseconds, divided by 10**6 in
one correctly rounded step.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from app.times import MAX_TIME, MIN_TIME

# the years the tables cover: 1970..2199 and one more each side, which a zone offset can reach
# (1969-12-31T23:30:00-01:00 is in 1970); the range is checked on the result
FIRST_YEAR, LAST_YEAR = 1969, 2200
_US = 1_000_000
_DAY_US = 86_400 * _US

# Months keyed year * 100 + month, from month "00" of FIRST_YEAR to month "00" of the year after
# LAST_YEAR: the microsecond at which the day before the 1st begins (so that adding
# day-of-month days lands on the right day), and the number of days. Keys of no month (month 00
# or 13..99) have 0 days, which no day passes; so do the first and the last key, where a key
# beyond either end is clipped to (one look-up, no range check).
_KEY0 = FIRST_YEAR * 100
_KEYS = (LAST_YEAR + 1 - FIRST_YEAR) * 100 + 1


def _month_table() -> np.ndarray:
    table = np.zeros((_KEYS, 2), np.float64)  # per key: (start, days)
    day = (date(FIRST_YEAR, 1, 1) - date(1970, 1, 1)).days  # since the epoch, at the 1st of the month
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        for month, n in enumerate((31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1):
            table[year * 100 + month - _KEY0] = (day - 1) * _DAY_US, n
            day += n
    return table


_MONTHS = _month_table()


class _Layout:
    """How to read one layout: per column, the lowest byte allowed and the span above it (a digit
    column allows 0..9, or fewer for a tens digit; a literal column exactly its character), and
    the weights that turn the digits into (year*100+month, day, hour, microseconds). The last
    column is the end mark after each string (see epoch_seconds)."""

    __slots__ = ("lo", "span", "weights", "_tiles")

    def __init__(self, s: str, frac: int, zone: int | None) -> None:
        n = len(s)
        self.lo = np.frombuffer((s + _END).encode("ascii"), np.uint8).copy()
        self.span = np.zeros(n + 1, np.uint8)
        self.weights = np.zeros((n + 1, 4), np.float64)

        def digits(column: int, first: int, count: int, scale: int, tens_max: int = 9) -> None:
            for i in range(count):
                self.lo[first + i], self.span[first + i] = ord("0"), tens_max if i == 0 else 9
                self.weights[first + i, column] = scale * 10 ** (count - 1 - i)

        digits(0, 0, 4, 100)  # year, into year * 100 + month
        digits(0, 5, 2, 1, 1)  # month
        digits(1, 8, 2, 1, 3)  # day
        digits(2, 11, 2, 1, 2)  # hour (24..29 are refused by value)
        digits(3, 8, 2, _DAY_US, 3)  # microseconds: days ...
        digits(3, 11, 2, 3600 * _US, 2)
        digits(3, 14, 2, 60 * _US, 5)
        digits(3, 17, 2, _US, 5)
        if frac:
            digits(3, 20, frac, 10 ** (6 - frac))
        if zone is not None:  # the offset is subtracted: +01:00 is an hour earlier in UTC
            sign = -1 if s[zone] == "+" else 1
            digits(3, zone + 1, 2, sign * 3600 * _US, 1)  # offsets up to 19:59 (20..23: one by one)
            digits(3, zone + 4, 2, sign * 60 * _US, 5)
        self._tiles: tuple[np.ndarray, np.ndarray] | None = None

    def tiles(self) -> tuple[np.ndarray, np.ndarray]:
        """``lo`` and ``span`` repeated for _CHUNK rows, flat: numpy checks a flat run of bytes
        against a flat run of limits five times faster than a matrix against a broadcast row."""
        if self._tiles is None:
            self._tiles = np.tile(self.lo, _CHUNK), np.tile(self.span, _CHUNK)
        return self._tiles


# By (length, separator, zone character): every other column is a checked literal or a digit
# column, so these three decide the layout; at most 13 * 3 * 4 of them. (Keyed by the string's
# shape instead, a client could grow the cache by one entry per request with letters in the
# digit columns.)
_LAYOUTS: dict[tuple[int, str, str], _Layout] = {}
_END = "|"  # after each timestamp in the byte matrix; no layout holds it
_CHUNK = 1024  # rows checked at once (a layout's tiles: 2 * 33 KB at most)


def _layout(s: str) -> _Layout | None:
    """The layout of ``s`` (cached), or None for anything but
    ``YYYY-MM-DD[T t]HH:MM:SS[.f{1,6}](Z|z|±HH:MM)``."""
    if not (20 <= len(s) <= 32 and s.isascii()):
        return None
    zone: int | None
    if s[-1] in "Zz":
        zone, end = None, len(s) - 1
    elif len(s) >= 25 and s[-6] in "+-" and s[-3] == ":":
        zone, end = len(s) - 6, len(s) - 6
    else:
        return None
    frac = end - 20  # digits after the "."
    if end == 19:
        frac = 0
    elif not (1 <= frac <= 6 and s[19] == "."):
        return None
    if s[4] != "-" or s[7] != "-" or s[10] not in "Tt " or s[13] != ":" or s[16] != ":":
        return None
    key = (len(s), s[10], s[-1] if zone is None else s[zone])
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _Layout(s, frac, zone)
    return layout


def epoch_seconds(stamps: list[str], step_us: int = 1) -> np.ndarray | None:
    """The epoch seconds of every timestamp, or None when any is not certainly valid in the
    first one's layout and within 1970..2199 (the caller then parses them one by one).
    ``step_us``: floor each to a multiple of this many microseconds (1000: milliseconds); it
    divides a second."""
    if _US % step_us:
        raise ValueError("step_us must divide 1,000,000")
    if not stamps or not isinstance(stamps[0], str):
        return None
    layout = _layout(stamps[0])
    if layout is None:
        return None
    n, width = len(stamps), len(layout.lo) - 1  # lo also holds the end mark's column
    try:
        joined = (_END.join(stamps) + _END).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    # Each string ends with _END, checked as one more column: a short string and a long one
    # cannot shift rows into place, since every _END then sits in a column of its own and
    # no other column allows it (checking every string's length instead costs a third of this).
    if len(joined) != n * (width + 1):
        return None
    # Byte by byte, less the lowest byte its column allows (uint8: a digit column then holds the
    # digit's value, a literal column 0, and a byte below the lowest wraps round to above the
    # span), checked against the span, _CHUNK rows at a time.
    raw = np.frombuffer(joined, np.uint8)
    digits = np.empty(len(raw), np.uint8)
    lo, span = layout.tiles()
    for a in range(0, len(raw), len(lo)):
        b = min(a + len(lo), len(raw))
        np.subtract(raw[a:b], lo[:b - a], out=digits[a:b])
        if np.count_nonzero(digits[a:b] > span[:b - a]):
            return None
    fields = digits.reshape(n, width + 1).astype(np.float64) @ layout.weights  # exact: integers < 2**53
    month = np.take(_MONTHS, fields[:, 0].astype(np.intp) - _KEY0, axis=0, mode="clip")
    day = fields[:, 1]
    if not bool(((day >= 1) & (day <= month[:, 1]) & (fields[:, 2] < 24)).all()):
        return None
    us = month[:, 0] + fields[:, 3]
    # floored to whole steps: exact, as us holds whole numbers below 2**53 (the quotient's error,
    # under half a unit in its last place, never crosses one); then steps / (steps per second)
    # is the same real number as us / 10**6, rounded once
    seconds = np.floor(us / step_us) if step_us > 1 else us
    seconds = seconds / (_US // step_us)
    if not (MIN_TIME <= seconds.min() and seconds.max() < MAX_TIME):
        return None
    return seconds
