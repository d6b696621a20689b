"""Parsing and printing the times the dialects use: ISO 8601 (M2X, Grafana, PostHog) and Unix
seconds (Librato). Everything inside is float seconds since the epoch, UTC."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from app.errors import Invalid

# Points and windows outside these years are refused: far enough for any real data,
# near enough that every renderer and datetime call stays in range.
MIN_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc).timestamp()
MAX_TIME = datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp()
OUT_OF_RANGE = "is out of range"  # the reason check_range gives; any other refusal here is "is invalid"


def check_range(t: float, field: str) -> float:
    if not math.isfinite(t) or not MIN_TIME <= t < MAX_TIME:
        raise Invalid(f"{field} is out of range (1970..2199)", field=field, reason=OUT_OF_RANGE)
    return t


def parse_iso(value: str, field: str) -> float:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field} is not an ISO 8601 time: {value!r}", field=field, reason="is invalid") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return check_range(dt.timestamp(), field)


def parse_time(value: str | int | float, field: str) -> float:
    """ISO 8601, or a number of seconds since the epoch."""
    if isinstance(value, bool):
        raise Invalid(f"{field} is not a time", field=field, reason="is invalid")
    if isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            return parse_iso(value, field)
    else:
        try:
            seconds = float(value)
        except OverflowError:  # an integer beyond any float
            seconds = math.inf
    return check_range(seconds, field)


def iso(t: float) -> str:
    """2015-04-21T03:36:42.347Z: millisecond precision, as M2X prints."""
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_seconds(t: float) -> str:
    """2016-02-20T01:18:46Z, as Librato prints."""
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_us(us: int) -> str:
    return iso(us / 1_000_000)


def iso_exact(us: int) -> str:
    """2026-11-23T04:37:53.160676Z: a log time to the microsecond, as it is recorded, so that
    asking for the state as of a printed time includes the event printed with it."""
    seconds, micro = divmod(us, 1_000_000)
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{micro:06d}Z"
