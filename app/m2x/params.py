"""Reading the parameters of M2X reads: the query string, merged over a JSON body (the python
client sends ``stream.stats(**p)`` as a JSON body on a GET)."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from app.errors import Invalid
from app.http import decode_json, int_from, read_body
from app.times import OUT_OF_RANGE, parse_iso


async def params(request: web.Request) -> dict[str, str]:
    out: dict[str, str] = {}
    if request.body_exists:
        body = await read_body(request)
        if body.strip():
            data = decode_json(body, dict[str, Any])
            out.update({k: v if isinstance(v, str) else str(v) for k, v in data.items() if v is not None})
    out.update(request.query)
    return out


def to_ms(t: float) -> float:
    """A time at M2X's precision, floored to the millisecond. Reads print milliseconds, so two
    points within one millisecond would read back alike and no window could tell them apart;
    stored at the millisecond, the later write replaces the earlier, as at any one timestamp.
    (``t`` has whole microseconds: ``t * 10**6`` is within a quarter of one of them.)"""
    us = round(t * 1_000_000)
    return (us - us % 1000) / 1_000_000


def iso_time(raw: str, field: str) -> float:
    """parse_iso at M2X's precision (``to_ms``: a point is found by the very time it was written
    at, sub-millisecond digits and all), with M2X's reasons: ``out_of_range`` for a time outside
    1970..2199, else ``invalid``. Decided by the reason app.times sets, never by the message
    (which quotes the client's input)."""
    try:
        return to_ms(parse_iso(raw, field))
    except Invalid as exc:
        raise Invalid(exc.message, field=field,
                      reason="out_of_range" if exc.reason == OUT_OF_RANGE else "invalid") from None


def time_param(p: dict[str, str], name: str) -> float | None:
    raw = p.get(name)
    if raw is None or raw == "":
        return None
    return iso_time(raw, name)


def float_param(p: dict[str, str], name: str) -> float | None:
    raw = p.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"{name} must be a number", field=name, reason="not_numeric") from None
    if not math.isfinite(value):
        raise Invalid(f"{name} must be a finite number", field=name, reason="not_finite")
    return value


def int_param(p: dict[str, str], name: str, default: int, *, lo: int, hi: int, clamp: bool = True) -> int:
    """M2X's integers: below ``lo`` refused, above ``hi`` lowered to it (refused without ``clamp``)."""
    return int_from(p, name, default, lo=lo, hi=hi, lower_above=clamp, not_int="not_numeric",
                    out_of_range="out_of_range")
