"""Decoding and validating M2X value writes into series chunks, whole batch before any append.

Fast path: one typed msgspec decoder per body shape, then vectorised checks. In lists of
values the timestamps are decoded as strings and turned into epoch seconds all at once
(:func:`app.stamps.epoch_seconds`); a short list, or one not all in one plain RFC 3339 layout,
is parsed one by one by ``datetime.fromisoformat``, as the slow path does (so a space for the
``T`` is fine on both). Anything the fast path does not accept (a decode error, a naive
timestamp, NaN written as a bare ``NaN`` by Python's json module, an out-of-range time) is
handed to the slow path, which walks the body as plain JSON and either accepts it (naive
timestamps are UTC) or raises a 422 naming the field (``values[3].timestamp``,
``values.temp[0].value``). Both paths give the same result for what they both accept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
import numpy as np

from app.errors import Invalid, Malformed
from app.http import TOO_DEEP
from app.m2x.params import iso_time, to_ms
from app.stamps import epoch_seconds
from app.times import MAX_TIME, MIN_TIME
from events.series import Floats

MAX_VALUES = 10_000  # values per request, all streams together
MAX_TEXT = 1000  # characters of one alphanumeric value


# Only zoned times on the fast path: a naive one (UTC for us) would read as local time in
# datetime.timestamp(), so it goes the slow way.
Zoned = Annotated[datetime, msgspec.Meta(tz=True)]


class _Point(msgspec.Struct):
    value: float | str
    timestamp: Zoned | None = None


# Lists of values: thousands of these per request, so they stay out of the garbage collector's
# way (gc=False: they hold only a string and a number, never a cycle).
class _Stamped(msgspec.Struct, gc=False):
    timestamp: str  # required in lists of values; parsed by _stamped_fast
    value: float | str


class _Values(msgspec.Struct, gc=False):
    values: list[_Stamped]


class _Updates(msgspec.Struct, gc=False):
    values: dict[str, list[_Stamped]]


class _Update(msgspec.Struct):
    values: dict[str, float | str]
    timestamp: Zoned | None = None


_DECODE_ONE = msgspec.json.Decoder(_Point)
_DECODE_VALUES = msgspec.json.Decoder(_Values)
_DECODE_UPDATES = msgspec.json.Decoder(_Updates)
_DECODE_UPDATE = msgspec.json.Decoder(_Update)


class Raw(msgspec.Struct):
    """The points of one stream as sent: times (epoch seconds, checked) and values (unchecked).
    The times of a long list come as a float64 array (epoch_seconds makes one), and stay one
    into the event and the series view (events.series.Floats)."""

    stream: str
    field: str  # where its values sit in the body, for error messages: "values", "values.temp"
    times: Floats
    values: list[float | str]
    listed: bool = True  # values are items of a list at ``field`` (``values[3].value``)


class _Slow(Exception):
    """The fast path gives up: the slow path decides."""


def _in_range(times: list[float]) -> list[float]:
    if times and not (MIN_TIME <= min(times) and max(times) < MAX_TIME):
        raise _Slow
    return times


VECTOR_MIN = 100  # below this many timestamps, one by one is quicker than numpy's fixed costs


def _zoned_seconds(s: str) -> float:
    """One timestamp as the slow path reads it, if it carries a zone (a naive one is the slow
    path's to read as UTC: datetime.timestamp() would take it for local time)."""
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise _Slow from None
    if dt.tzinfo is None:
        raise _Slow
    return to_ms(dt.timestamp())


def _stamped_fast(points: list[_Stamped]) -> Floats:
    stamps = [p.timestamp for p in points]
    if len(stamps) >= VECTOR_MIN:
        seconds = epoch_seconds(stamps, step_us=1000)
        if seconds is not None:
            return seconds
    # a short list, or not all in one plain layout: one by one
    return _in_range([_zoned_seconds(s) for s in stamps])


def _time_fast(ts: datetime | None, now: float) -> list[float]:
    return _in_range([now if ts is None else to_ms(ts.timestamp())])


def _decode(body: bytes, fast: Callable[[bytes], list[Raw]], slow: Callable[[Any], list[Raw]]) -> list[Raw]:
    try:
        return fast(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError, _Slow):
        pass  # (UnicodeDecodeError: bytes in a string that are not UTF-8; json.loads says 400)
    try:
        data = json.loads(body or b"{}")  # accepts NaN and Infinity, which are then refused by name
    except (ValueError, UnicodeDecodeError):
        raise Malformed("the body is not valid JSON") from None
    except RecursionError:
        raise Malformed(TOO_DEEP) from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", field="body", reason="invalid")
    return slow(data)


# -- the slow path: plain JSON, precise errors -------------------------------------------------

def _time_slow(raw: Any, field: str, now: float, require: bool) -> float:
    if raw is None:
        if require:
            raise Invalid(f"{field} is required", field=field, reason="not_present")
        return now
    if not isinstance(raw, str):
        raise Invalid(f"{field} must be an ISO 8601 time", field=field, reason="invalid")
    return iso_time(raw, field)


def _value_slow(raw: Any, field: str) -> float | str:
    if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)):
        raise Invalid(f"{field} must be a number or a string", field=field,
                      reason="not_present" if raw is None else "invalid")
    if isinstance(raw, int):
        try:
            return float(raw)
        except OverflowError:  # an integer beyond any float, like 1e400 written out
            raise Invalid(f"{field} must be a finite number", field=field, reason="not_finite") from None
    return raw


def _points_slow(items: Any, field: str, now: float, require: bool) -> tuple[list[float], list[float | str]]:
    if not isinstance(items, list):
        raise Invalid(f"{field} must be a list", field=field, reason="invalid")
    times, values = [], []
    for i, item in enumerate(items):
        at = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise Invalid(f"{at} must be an object", field=at, reason="invalid")
        if "value" not in item:
            raise Invalid(f"{at}.value is required", field=f"{at}.value", reason="not_present")
        times.append(_time_slow(item.get("timestamp"), f"{at}.timestamp", now, require))
        values.append(_value_slow(item["value"], f"{at}.value"))
    return times, values


# -- the four body shapes ----------------------------------------------------------------------

def one_value(body: bytes, stream: str, now: float) -> list[Raw]:
    """``PUT …/streams/{name}/value``: ``{"value": x, "timestamp"?: ISO}`` (server time by default)."""
    def fast(b: bytes) -> list[Raw]:
        p = _DECODE_ONE.decode(b)
        return [Raw(stream=stream, field="value", times=_time_fast(p.timestamp, now), values=[p.value],
                    listed=False)]

    def slow(data: dict[str, Any]) -> list[Raw]:
        if "value" not in data:
            raise Invalid("value is required", field="value", reason="not_present")
        return [Raw(stream=stream, field="value", times=[_time_slow(data.get("timestamp"), "timestamp", now, False)],
                    values=[_value_slow(data["value"], "value")], listed=False)]
    return _decode(body, fast, slow)


def many_values(body: bytes, stream: str, now: float) -> list[Raw]:
    """``POST …/streams/{name}/values``: ``{"values": [{"timestamp", "value"}, …]}``, timestamps required."""
    def fast(b: bytes) -> list[Raw]:
        pts = _DECODE_VALUES.decode(b).values
        return [Raw(stream=stream, field="values", times=_stamped_fast(pts), values=[p.value for p in pts])]

    def slow(data: dict[str, Any]) -> list[Raw]:
        if "values" not in data:
            raise Invalid("values is required", field="values", reason="not_present")
        times, values = _points_slow(data["values"], "values", now, True)
        return [Raw(stream=stream, field="values", times=times, values=values)]
    return _decode(body, fast, slow)


def device_updates(body: bytes, now: float) -> list[Raw]:
    """``POST /devices/{id}/updates``: ``{"values": {stream: [{"timestamp", "value"}, …]}, "location"?}``."""
    def fast(b: bytes) -> list[Raw]:
        by_stream = _DECODE_UPDATES.decode(b).values
        return [Raw(stream=name, field=f"values.{name}", times=_stamped_fast(pts),
                    values=[p.value for p in pts]) for name, pts in by_stream.items()]

    def slow(data: dict[str, Any]) -> list[Raw]:
        values = data.get("values")
        if not isinstance(values, dict):
            raise Invalid("values must be an object of stream names", field="values",
                          reason="not_present" if values is None else "invalid")
        out = []
        for name, items in values.items():
            times, vals = _points_slow(items, f"values.{name}", now, True)
            out.append(Raw(stream=name, field=f"values.{name}", times=times, values=vals))
        return out
    return _decode(body, fast, slow)


def device_update(body: bytes, now: float) -> list[Raw]:
    """``POST /devices/{id}/update``: ``{"timestamp"?: ISO, "values": {stream: value}, "location"?}``."""
    def fast(b: bytes) -> list[Raw]:
        u = _DECODE_UPDATE.decode(b)
        t = _time_fast(u.timestamp, now)
        return [Raw(stream=name, field=f"values.{name}", times=t, values=[v], listed=False)
                for name, v in u.values.items()]

    def slow(data: dict[str, Any]) -> list[Raw]:
        values = data.get("values")
        if not isinstance(values, dict):
            raise Invalid("values must be an object of stream names", field="values",
                          reason="not_present" if values is None else "invalid")
        t = _time_slow(data.get("timestamp"), "timestamp", now, False)
        return [Raw(stream=name, field=f"values.{name}", times=[t], values=[_value_slow(v, f"values.{name}")],
                    listed=False) for name, v in values.items()]
    return _decode(body, fast, slow)


# -- values for a stream's type ----------------------------------------------------------------

def _where(raw: Raw, i: int) -> str:
    return f"{raw.field}[{i}].value" if raw.listed else raw.field


def numeric(raw: Raw) -> Floats:
    """The values of a numeric stream: numbers, or strings that read as numbers; all finite.
    A float64 array (as the series view keeps them) when there are more than a few."""
    vals = raw.values
    long = len(vals) >= VECTOR_MIN
    if not long:
        try:  # a short list of numbers: sum() costs less than an array (a string makes it raise)
            if math.isfinite(sum(vals)):  # type: ignore[arg-type]
                return vals  # type: ignore[return-value]
        except TypeError:
            pass
    try:  # numpy reads numbers and numeric strings alike, in C (anything else makes it raise)
        arr = np.fromiter(vals, np.float64, len(vals))  # type: ignore[arg-type]
        if bool(np.isfinite(arr).all()):
            # a short batch stays a list: it waits among lists in the series view
            return arr if long else arr.tolist()  # type: ignore[no-any-return]
    except (ValueError, TypeError):
        pass
    out = []
    for i, v in enumerate(vals):
        if isinstance(v, str):
            try:
                v = float(v.strip())
            except ValueError:
                raise Invalid(f"{_where(raw, i)} is not a number (the stream is numeric)", field=_where(raw, i),
                              reason="not_numeric") from None
        if not math.isfinite(v):
            raise Invalid(f"{_where(raw, i)} must be a finite number", field=_where(raw, i), reason="not_finite")
        out.append(v)
    return np.array(out, np.float64) if long else out


def text(raw: Raw) -> list[str]:
    """The values of an alphanumeric stream, as strings (a number keeps its JSON spelling)."""
    out = []
    for i, v in enumerate(raw.values):
        s = v if isinstance(v, str) else (str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v))
        if len(s) > MAX_TEXT:
            raise Invalid(f"{_where(raw, i)} is longer than {MAX_TEXT} characters", field=_where(raw, i),
                          reason="too_long")
        out.append(s)
    return out


def check_sizes(raws: list[Raw]) -> None:
    """A batch holds 1 to MAX_VALUES values, and no stream in it is empty."""
    total = sum(len(r.times) for r in raws)
    if total == 0:
        raise Invalid("the batch holds no values", field="values", reason="not_present")
    if total > MAX_VALUES:
        raise Invalid(f"at most {MAX_VALUES} values per request (got {total})", field="values", reason="too_many")
    for r in raws:
        if not len(r.times):
            raise Invalid(f"{r.field} holds no values", field=r.field, reason="not_present")
