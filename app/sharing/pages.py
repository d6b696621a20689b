"""The public side of sharing, without authentication: a token's page, its chart as SVG/PNG,
and a snapshot's image.

- ``/share/instruments/:token`` (HTML) and ``/share/instruments/:token.svg|.png``;
- ``/share/dashboards/:token`` (HTML, every chart of the dashboard);
- ``/share/snapshots/:image_token.png`` (immutable).

Every request resolves its token through the shares view and checks the target still exists,
so a revoked token or a deleted entity is a 404 on the very next request. Pages are
``no-store`` and token images revalidate on every use (``no-cache`` + ETag) for the same
reason; snapshot images never change and are cached for a year.
"""

from __future__ import annotations

import asyncio
import html
from datetime import datetime, timezone
from collections.abc import Iterable

from aiohttp import web

from app.charts.commands import charts_view
from app.charts.render import etag_matches
from app.errors import Invalid, NotFound
from app.http import int_param, runtime
from app.runtime import Runtime
from app.sharing import render
from app.sharing.commands import shares_view, snapshots_view, target
from app.sharing.routing import routes
from app.sharing.runner import BLOBS, RENDERS
from projections.charts import Chart
from events.dashboards import Tile
from projections.dashboards import Dashboard
from projections.shares import Share
from renderers import MAX_HEIGHT, MAX_WIDTH, MIN_SIZE

TOKEN = "{token:[a-z0-9]+}"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is the address: never hand it to another site
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    "X-Content-Type-Options": "nosniff",
}
PRESETS = ((3600, "1 hour"), (6 * 3600, "6 hours"), (86400, "1 day"), (7 * 86400, "1 week"), (30 * 86400, "30 days"))
IMMUTABLE = "public, max-age=31536000, immutable"
TILES_AT_ONCE = 2  # a dashboard page's charts drawn at once


def _share(rt: Runtime, token: str, kind: str) -> Share:
    """A live share of a live organization: a disabled organization publishes nothing (its own
    keys are refused too, so it could not even revoke its tokens)."""
    s = shares_view(rt).get(token)
    if s is None or s.target_kind != kind or not s.live(int(rt.now() * 1e6)) or not rt["accounts"].is_live(s.org_id):
        raise NotFound("This share does not exist or is no longer public.")
    return s


def _shared_chart(rt: Runtime, token: str) -> Chart:
    chart = target(rt, _share(rt, token, "chart"))
    if not isinstance(chart, Chart):  # deleted (None): its tokens die with it
        raise NotFound("This share does not exist or is no longer public.")
    return chart


def _shared_dashboard(rt: Runtime, token: str) -> Dashboard:
    dash = target(rt, _share(rt, token, "dashboard"))
    if not isinstance(dash, Dashboard):  # deleted (None)
        raise NotFound("This share does not exist or is no longer public.")
    return dash


def _window(request: web.Request, rt: Runtime) -> tuple[int, float, float]:
    duration = render.duration_of(request.query.get("duration") or render.DEFAULT_DURATION)
    start, end = render.public_window(duration, request.query.get("end_time"), rt.now())
    return duration, start, end


async def _svg(request: web.Request, chart: Chart, start: float, end: float, width: int, height: int) -> str:
    body, _ = await request.app[RENDERS].get(runtime(request), chart, start, end, fmt="svg", width=width,
                                             height=height)
    return body.decode("utf-8")


@routes.get(f"/share/instruments/{TOKEN}.{{ext:svg|png}}")
async def instrument_image(request: web.Request) -> web.Response:
    """A shared instrument as SVG or PNG (`duration`, `end_time`, `width`, `height`)."""
    rt = runtime(request)
    chart = _shared_chart(rt, request.match_info["token"])
    _, start, end = _window(request, rt)
    width = _size(request, "width", render.WIDTH)
    height = _size(request, "height", render.HEIGHT)
    fmt = request.match_info["ext"]
    body, etag = await request.app[RENDERS].picture(rt, chart, start, end, fmt=fmt, width=width, height=height,
                                                    if_none_match=request.headers.get("If-None-Match"))
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer",
               "X-Content-Type-Options": "nosniff"}
    if body is None:  # the client has it: 304, and nothing was drawn
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers=headers,
                        content_type="image/svg+xml" if fmt == "svg" else "image/png")


def _size(request: web.Request, name: str, default: int) -> int:
    return int_param(request, name, default, lo=MIN_SIZE, hi=MAX_WIDTH if name == "width" else MAX_HEIGHT)


@routes.get(f"/share/instruments/{TOKEN}")
async def instrument_page(request: web.Request) -> web.Response:
    """A shared instrument's public page (`duration` in seconds, `end_time`)."""
    rt = runtime(request)
    token = request.match_info["token"]
    chart = _shared_chart(rt, token)
    duration, start, end = _window(request, rt)
    svg = await _svg(request, chart, start, end, 960, 420)
    return _page(chart.name, token, "instruments", duration, start, end, [svg], wide=True)


@routes.get(f"/share/dashboards/{TOKEN}")
async def dashboard_page(request: web.Request) -> web.Response:
    """A shared dashboard's public page: every chart and text on it (`duration` in seconds, `end_time`)."""
    rt = runtime(request)
    token = request.match_info["token"]
    dash = _shared_dashboard(rt, token)
    duration, start, end = _window(request, rt)
    charts = charts_view(rt)
    # A page takes at most TILES_AT_ONCE of the public render slots and their queue at a time:
    # a dashboard of many charts waits for itself instead of filling the queue (every other
    # share would then get 429, and so would the rest of its own tiles).
    at_once = asyncio.Semaphore(TILES_AT_ONCE)

    async def tile(t: Tile) -> str:
        chart = charts.get(dash.org_id, t.chart_id) if t.chart_id is not None else None
        if t.kind == "chart" and chart is not None:
            async with at_once:
                try:
                    return await _svg(request, chart, start, end, render.WIDTH, render.HEIGHT)
                except Invalid as exc:  # this chart cannot be drawn so (too many series): say so in its place
                    return f'<p class="text">{html.escape(chart.name)}: {html.escape(exc.message)}</p>'
        return f'<p class="text">{html.escape(t.text)}</p>' if t.kind == "text" and t.text else ""

    tiles = [asyncio.ensure_future(tile(t)) for t in sorted(dash.tiles, key=lambda t: (t.y, t.x))]
    try:
        parts = await asyncio.gather(*tiles)
    except BaseException:  # too busy (429), or the client left: the other tiles stop drawing too
        for pending in tiles:
            pending.cancel()
        raise
    return _page(dash.title, token, "dashboards", duration, start, end, [p for p in parts if p], wide=False)


@routes.get("/share/snapshots/{image:[0-9a-f]+}.png")
async def snapshot_image(request: web.Request) -> web.Response:
    """A rendered snapshot's PNG at its unguessable address; immutable, cached for a year."""
    rt = runtime(request)
    snap = snapshots_view(rt).by_image_token(request.match_info["image"])
    if snap is None or snap.sha256 is None or not rt["accounts"].is_live(snap.org_id):
        raise NotFound("no such snapshot image")
    etag = f'"{snap.sha256}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    data = await asyncio.get_running_loop().run_in_executor(None, request.app[BLOBS].get, snap.sha256)
    if data is None:
        raise NotFound("the snapshot image is missing from the data directory")
    return web.Response(body=data, headers=headers, content_type="image/png")


# -- HTML ------------------------------------------------------------------------------------

_STYLE = """
:root{color-scheme:light;--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--accent:#2680c2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:18px 28px;display:flex;flex-wrap:wrap;
gap:12px 28px;align-items:baseline;justify-content:space-between}
h1{font-size:21px;margin:0;font-weight:600;overflow-wrap:anywhere}
.when{color:var(--muted);font-size:13px}
nav{display:flex;gap:6px;flex-wrap:wrap}
nav a{color:var(--accent);text-decoration:none;padding:3px 10px;border:1px solid var(--line);border-radius:14px;
font-size:13px;background:#fff}
nav a.on{background:var(--accent);border-color:var(--accent);color:#fff}
main{padding:24px 28px;display:grid;gap:20px;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr))}
main.wide{grid-template-columns:1fr;max-width:1100px;margin:0 auto}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px;
box-shadow:0 1px 2px rgba(0,0,0,.04)}
figure svg{display:block;width:100%;height:auto}
.empty{color:var(--muted);padding:40px;text-align:center;grid-column:1/-1}
figure .text{margin:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:12px;padding:0 28px 24px;text-align:center}
"""


def _when(start: float, end: float) -> str:
    """``Nov 21, 2026 22:56 – Nov 22, 2026 22:56 UTC`` (the window the charts show)."""
    fmt = "%b %d, %Y %H:%M"
    return (f"{datetime.fromtimestamp(start, timezone.utc).strftime(fmt)} – "
            f"{datetime.fromtimestamp(end, timezone.utc).strftime(fmt)} UTC")


def _page(title: str, token: str, kind: str, duration: int, start: float, end: float, tiles: Iterable[str], *,
          wide: bool) -> web.Response:
    e = html.escape
    links = "".join(
        f'<a href="/share/{kind}/{e(token)}?duration={d}"{" class=on" if d == duration else ""}>{e(label)}</a>'
        for d, label in PRESETS)
    figures = "".join(f"<figure>{t}</figure>" for t in tiles) or '<p class="empty">This dashboard has no charts.</p>'
    body = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=robots content="noindex"><meta name=referrer content="no-referrer">'
        f"<title>{e(title)} · Broadsheet</title><style>{_STYLE}</style></head><body>"
        f'<header><div><h1>{e(title)}</h1><div class="when">{e(_when(start, end))}</div>'
        f'</div><nav aria-label="time range">{links}</nav></header>'
        f'<main class="{"wide" if wide else "grid"}">{figures}</main>'
        "<footer>Shared publicly with Broadsheet.</footer></body></html>\n")
    return web.Response(text=body, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)
