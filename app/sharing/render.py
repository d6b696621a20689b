"""How shares and snapshots draw a chart: a time window from ``duration``/``end_time``, the
sampling for it, and the chart as a snapshot asked for it; drawing and caching are the shared
chart renderer's (``app.charts.render``)."""

from __future__ import annotations

import math
from collections import OrderedDict

import msgspec

from app.charts.data import Sampling, sampling
from app.charts.render import RenderSlots, cache_for, check_params, default_now, etag_matches, render_chart
from app.errors import Invalid
from app.runtime import Runtime
from app.times import MIN_TIME, parse_time
from projections.charts import Chart

DEFAULT_DURATION = 3600
MIN_DURATION = 1
MAX_DURATION = 5 * 366 * 86400  # five years: anything longer is taken for a mistake
BUCKETS = 300  # points drawn across a chart at most (about one per two pixels of a 600 px chart)
WIDTH, HEIGHT = 600, 300


def duration_of(raw: object, field: str = "duration") -> int:
    """A whole number of seconds, 1 s to five years; strings of digits too (forms, query strings)."""
    if isinstance(raw, bool):
        raise Invalid(f"{field} is not a number", field=field, reason="is not a number")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 18:
            raise Invalid(f"{field} is not a number", field=field, reason="is not a number")
        raw = int(text)
    if not isinstance(raw, int):
        raise Invalid(f"{field} is not a number", field=field, reason="is not a number")
    if not MIN_DURATION <= raw <= MAX_DURATION:
        raise Invalid(f"{field} must be between {MIN_DURATION} and {MAX_DURATION} seconds", field=field,
                      reason=f"must be between {MIN_DURATION} and {MAX_DURATION}")
    return raw


def end_time_of(raw: object, now: float, field: str = "end_time") -> float:
    """Seconds since the epoch or ISO 8601; absent: now."""
    if raw is None or raw == "":
        return now
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise Invalid(f"{field} is not a time", field=field, reason="is invalid")
    return parse_time(raw, field)


def window(duration: int, end: float) -> tuple[float, float]:
    start = end - duration
    if start < MIN_TIME:
        raise Invalid("the window starts before 1970", field="duration", reason="reaches back before 1970")
    return start, end


def sampling_for(duration: int) -> Sampling:
    """The average per bucket, about BUCKETS buckets across the window (whole seconds)."""
    return sampling("avg", max(1, math.ceil(duration / BUCKETS)))


def public_window(duration: int, end_raw: object, now: float) -> tuple[float, float]:
    """A share page's window. Without ``end_time`` it ends at "now" rounded up to the shared
    renderer's step, so repeated views of one share draw once and then hit the cache."""
    end = end_time_of(end_raw, default_now(now))
    return window(duration, end)


def as_asked(chart: Chart, kind: str, sources: tuple[str, ...]) -> Chart:
    """The chart drawn as ``kind``, its series limited to ``sources`` (``*``: as the chart says)."""
    series = chart.series
    if sources != ("*",):
        series = tuple(msgspec.structs.replace(ref, source=src) for ref in chart.series for src in sources)
    return msgspec.structs.replace(chart, kind=kind, series=series)


class PublicRenders:
    """How the public pages draw: the shared render cache, behind two guards of their own.

    - A picture of one chart version, window and size drawn less than ``fresh`` seconds ago is
      served as it is, without looking at the data again: a chart whose series take a write on
      every request is then drawn about once per ``fresh`` seconds, not once per write. The
      token and its target are still resolved on every request, so revocation and deletion
      are unaffected; a chart edit changes its version, so it shows at once. Only the ETag is
      remembered here: the bytes are the render cache's (bounded in bytes), and a picture it
      has let go of is found again the usual way.
    - Renders that miss the cache are bounded by ``slots``.
    """

    def __init__(self, fresh: float = 1.0, size: int = 1024, slots: RenderSlots | None = None) -> None:
        self.fresh = fresh
        self.size = size
        self.slots = slots or RenderSlots()
        self._recent: OrderedDict[tuple[object, ...], tuple[float, str]] = OrderedDict()  # key -> (when, ETag)

    async def get(self, rt: Runtime, chart: Chart, start: float, end: float, *, fmt: str, width: int = WIDTH,
                  height: int = HEIGHT) -> tuple[bytes, str]:
        """The picture and its ETag."""
        body, etag = await self.picture(rt, chart, start, end, fmt=fmt, width=width, height=height)
        assert body is not None  # only a matching If-None-Match leaves it out
        return body, etag

    async def picture(self, rt: Runtime, chart: Chart, start: float, end: float, *, fmt: str, width: int = WIDTH,
                      height: int = HEIGHT, if_none_match: str | None = None) -> tuple[bytes | None, str]:
        """The picture and its ETag; no picture (None) when ``if_none_match`` names that ETag: it is
        then neither drawn nor waited for (a client that has it never waits for a render slot)."""
        key = (chart.uid, chart.version, start, end, width, height, fmt)
        now = rt.now()
        cache = cache_for(rt)
        hit = self._recent.get(key)
        if hit is not None and now - hit[0] < self.fresh:
            if etag_matches(if_none_match, hit[1]):
                return None, hit[1]
            body = cache.cached(hit[1])
            if body is not None:
                return body, hit[1]
        p = check_params(start, end, width, height, fmt, sampling_for(int(end - start) or 1), now)
        prepared = await cache.prepare(rt, chart, p)
        if etag_matches(if_none_match, prepared.etag):
            body = None
        else:
            body = cache.cached(prepared.etag)
            if body is None:
                async with self.slots.take():
                    body = await cache.body(rt, chart, p, prepared)
        self._recent[key] = (now, prepared.etag)
        self._recent.move_to_end(key)
        if len(self._recent) > self.size:
            self._recent.popitem(last=False)
        return body, prepared.etag


async def snapshot_png(rt: Runtime, chart: Chart, start: float, end: float, width: int, height: int) -> bytes:
    """A snapshot's PNG, drawn afresh (off the loop), never from the cache."""
    return await render_chart(rt, chart, start, end, width, height, "png", sampling_for(int(end - start) or 1))
