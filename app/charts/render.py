"""Rendering a chart for a time window, and the cache that makes repeated public renders cheap.

``render_chart`` is the one reusable way to draw any chart (M2X public renders, and later
Librato chart tokens and snapshots): data from the views, a ChartSpec, then SVG (and PNG)
drawn in the default executor, so a large image never holds the event loop.

``RenderCache`` adds HTTP caching. A render's ETag is a digest of the chart (uid and version),
the parameters (resolved window, size, format, sampling) and the data actually plotted (every
time, value, name, unit and color), so it changes exactly when the picture may. Computing it
reads the views (cheap, in memory) but draws nothing; it is memoised by the log position, so
while nothing is appended a repeated request does not even read the data. Rendered bytes sit in
an LRU keyed by ETag, and concurrent requests for the same ETag share one render.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence

import msgspec

from app.charts.data import Sampling, gather_series
from app.errors import DomainError, Invalid
from app.runtime import Runtime
from projections.charts import Chart
from renderers.model import Kind
from renderers import ChartSpec, RenderError, SeriesData, check_size, render_svg, svg_to_png

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
RENDER_VERSION = b"broadsheet-render-1"  # bump when drawing changes, so old ETags stop matching
LIVE_MAX_AGE = 10  # seconds: a window that ends about now
PAST_MAX_AGE = 3600  # a window fully in the past (late points may still arrive: revalidate hourly)
LIVE_SLACK = 60.0  # a window ending within this many seconds of now is still live
NOW_STEP = 10.0  # a default "now" is rounded up to this step, so repeated requests share a window
# Images drawn at once: a 4000x4000 PNG needs 64 MB of pixels, so a flood of distinct large
# renders waits its turn instead of exhausting memory (and the loop stays free meanwhile).
RENDER_SLOTS = max(2, os.cpu_count() or 2)
GATHERING, GATHER_QUEUE = 2, 64  # charts read from the views at once, and how many may wait for that
DRAW_QUEUE = 16  # pictures waiting for a drawing thread (each holds its data) beyond RENDER_SLOTS drawing


class TooBusy(DomainError):
    """More renders are waiting than the server lets wait: try again shortly (429)."""

    kind = "rate_limited"


class RenderSlots:
    """``limit`` at once, at most ``queue`` waiting; beyond that a request is refused (TooBusy)
    instead of piling up (each waiting render may hold its data)."""

    def __init__(self, limit: int = 4, queue: int = 64) -> None:
        self._slots = asyncio.Semaphore(limit)
        self.limit = limit
        self.queue = queue
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def take(self, *, bounded: bool = True) -> AsyncIterator[None]:
        """A slot; ``bounded``: TooBusy when ``queue`` already wait (else wait whatever the queue)."""
        if bounded and self._slots.locked() and self.waiting >= self.queue:
            raise TooBusy("too many charts are being drawn right now; try again in a moment")
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._slots.release()
_SUMMARY = {"average": "average", "sum": "sum", "min": "min", "max": "max", "count": "count"}


class RenderParams(msgspec.Struct, frozen=True, kw_only=True):
    start: float
    end: float
    width: int = 600
    height: int = 300
    fmt: str = "png"
    sampling: Sampling = Sampling()
    live: bool = False  # the window ends about now: cached briefly

    @property
    def content_type(self) -> str:
        return FORMATS[self.fmt]

    @property
    def cache_control(self) -> str:
        return f"public, max-age={LIVE_MAX_AGE if self.live else PAST_MAX_AGE}"


def check_params(start: float, end: float, width: int, height: int, fmt: str, s: Sampling, now: float) -> RenderParams:
    """Checked render parameters; anything out of bounds is Invalid naming its field."""
    if fmt not in FORMATS:
        raise Invalid("format must be png or svg", field="format", reason="invalid")
    try:
        check_size(width, height)
    except RenderError as exc:
        raise Invalid(exc.message, field=exc.field, reason="invalid") from None
    if not (math.isfinite(start) and math.isfinite(end)) or not start < end:
        raise Invalid("start must be before end", field="start", reason="invalid")
    return RenderParams(start=start, end=end, width=width, height=height, fmt=fmt, sampling=s,
                        live=end > now - LIVE_SLACK)


def default_now(now: float) -> float:
    return math.ceil(now / NOW_STEP) * NOW_STEP


def spec_for(chart: Chart, series: Sequence[SeriesData], p: RenderParams) -> ChartSpec:
    units = {s.unit for s in series if s.unit}
    summary = "last"
    if chart.kind == "bignumber" and not chart.attributes.get("use_last_value", True) and chart.series:
        summary = _SUMMARY.get(chart.series[0].summary_function or "average", "average")
    kind: Kind = "stacked" if chart.kind == "stacked" else "bignumber" if chart.kind == "bignumber" else "line"
    return ChartSpec(title=chart.name, kind=kind, series=tuple(series), width=p.width, height=p.height,
                     start=p.start, end=p.end,
                     unit=units.pop() if len(units) == 1 else "", summary=summary)  # type: ignore[arg-type]


def draw(spec: ChartSpec, fmt: str) -> bytes:
    """SVG or PNG bytes. Blocking and CPU-bound: call it in an executor."""
    svg = render_svg(spec)
    return svg.encode("utf-8") if fmt == "svg" else svg_to_png(svg)


async def render_chart(rt: Runtime, chart: Chart, start: float, end: float, width: int = 600, height: int = 300,
                       fmt: str = "png", sampling: Sampling = Sampling()) -> bytes:
    """The chart drawn over start..end as PNG or SVG bytes, off the event loop. Bad parameters
    raise Invalid (check them first with ``check_params`` to get a RenderParams)."""
    p = check_params(start, end, width, height, fmt, sampling, rt.now())
    cache = cache_for(rt)
    async with cache.gathering.take(bounded=False):  # background work (snapshots) waits its turn
        series = await gather_series(rt, chart, p.start, p.end, p.sampling)
    return await _draw_off_loop(spec_for(chart, series, p), p.fmt, cache.slots, bounded=False)


async def _draw_off_loop(spec: ChartSpec, fmt: str, slots: RenderSlots, *, bounded: bool = True) -> bytes:
    try:
        async with slots.take(bounded=bounded):
            return await asyncio.get_running_loop().run_in_executor(None, draw, spec, fmt)
    except RenderError as exc:
        raise Invalid(exc.message, field=exc.field, reason="invalid") from None


def data_digest(series: Sequence[SeriesData]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for s in series:
        h.update(msgspec.msgpack.encode([s.name, s.unit, s.color, len(s.times)]))
        h.update(s.times.tobytes())
        h.update(s.values.tobytes())
    return h.digest()


class Prepared(msgspec.Struct):
    etag: str
    series: tuple[SeriesData, ...] | None  # None when the ETag came from the memo


class _Drawing:
    """A picture being drawn, and how many requests await it."""

    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Future[bytes]) -> None:
        self.task = task
        self.waiters = 0


class RenderCache:
    """ETags memoised by log position, rendered bytes in an LRU by ETag, one render per ETag."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_memo: int = 4096) -> None:
        self.max_bytes = max_bytes
        self.max_memo = max_memo
        self._bytes: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._memo: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._front: OrderedDict[tuple[object, ...], tuple[Chart, RenderParams, str]] = OrderedDict()
        self._inflight: dict[str, _Drawing] = {}
        self.renders = 0  # how many images were drawn (a test and the benchmark read it)
        self.busy = asyncio.Event()  # set while at least one image is being drawn
        self.slots = RenderSlots(RENDER_SLOTS, DRAW_QUEUE)
        # reading a chart's data runs on the event loop (the views are mutated there), handing
        # it back as it goes; at most GATHERING charts are read at once, GATHER_QUEUE wait
        self.gathering = RenderSlots(GATHERING, GATHER_QUEUE)

    async def prepare(self, rt: Runtime, chart: Chart, p: RenderParams) -> Prepared:
        key = (chart.uid, chart.version, p, rt.projector.position)
        etag = self._memo.get(key)
        if etag is not None:
            self._memo.move_to_end(key)
            return Prepared(etag, None)
        async with self.gathering.take():
            series = await gather_series(rt, chart, p.start, p.end, p.sampling)
        moved = rt.projector.position != key[3]  # folded more while gathering: the data may be newer
        h = hashlib.blake2b(RENDER_VERSION, digest_size=16)
        h.update(msgspec.msgpack.encode([chart.uid, chart.version, chart.name, chart.kind, p]))
        h.update(data_digest(series))
        etag = f'"{h.hexdigest()}"'
        if not moved:  # remembered only for the position the data is certainly of
            self._memo[key] = etag
            if len(self._memo) > self.max_memo:
                self._memo.popitem(last=False)
        return Prepared(etag, series)

    def recall(self, key: tuple[object, ...]) -> tuple[Chart, RenderParams, Prepared] | None:
        """What a dialect resolved for a raw request key (path, query, log position, now step):
        a repeated public request skips parsing and lookups altogether."""
        hit = self._front.get(key)
        if hit is None:
            return None
        self._front.move_to_end(key)
        return hit[0], hit[1], Prepared(hit[2], None)

    def remember(self, key: tuple[object, ...], chart: Chart, p: RenderParams, prepared: Prepared) -> None:
        self._front[key] = (chart, p, prepared.etag)  # never the series: the memo must stay small
        if len(self._front) > self.max_memo:
            self._front.popitem(last=False)

    def cached(self, etag: str) -> bytes | None:
        body = self._bytes.get(etag)
        if body is not None:
            self._bytes.move_to_end(etag)
        return body

    async def body(self, rt: Runtime, chart: Chart, p: RenderParams, prepared: Prepared) -> bytes:
        body = self.cached(prepared.etag)
        if body is not None:
            return body
        # One drawing per ETag, in a task of its own: whoever asked first may leave (a client
        # gone, a dashboard page's other tiles cancelled) without taking it from the others.
        # Nobody waiting any more (every client gone): the drawing stops.
        etag = prepared.etag
        drawing = self._inflight.get(etag)
        if drawing is None:
            drawing = self._inflight[etag] = _Drawing(asyncio.ensure_future(self._draw(rt, chart, p, prepared)))
            self.busy.set()
            drawing.task.add_done_callback(lambda done: self._drawn(etag, done))
        drawing.waiters += 1
        try:
            return await asyncio.shield(drawing.task)
        finally:
            drawing.waiters -= 1
            if not drawing.waiters and not drawing.task.done():
                drawing.task.cancel()

    async def _draw(self, rt: Runtime, chart: Chart, p: RenderParams, prepared: Prepared) -> bytes:
        series = prepared.series
        if series is None:
            async with self.gathering.take():
                series = await gather_series(rt, chart, p.start, p.end, p.sampling)
        body = await _draw_off_loop(spec_for(chart, series, p), p.fmt, self.slots)
        self.renders += 1
        self._store(prepared.etag, body)
        return body

    def _drawn(self, etag: str, task: asyncio.Future[bytes]) -> None:
        del self._inflight[etag]
        if not self._inflight:
            self.busy.clear()
        if not task.cancelled():
            task.exception()  # retrieved: the waiters re-raise it, nobody else must log it

    def _store(self, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        self._bytes[etag] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, old = self._bytes.popitem(last=False)
            self._size -= len(old)


_CACHES: weakref.WeakKeyDictionary[Runtime, RenderCache] = weakref.WeakKeyDictionary()


def cache_for(rt: Runtime) -> RenderCache:
    """The render cache of this runtime (one per server process)."""
    cache = _CACHES.get(rt)
    if cache is None:
        cache = _CACHES[rt] = RenderCache()
    return cache


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: ``*``, or a list of (possibly weak) ETags."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
