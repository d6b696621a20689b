"""M2X service endpoints: ``/v2/status`` and the ``/v2/time`` family (no key needed)."""

from __future__ import annotations

from aiohttp import web

from app.http import json_response, runtime
from app.m2x.routing import routes
from app.times import iso


@routes.get("/v2/status")
async def status(request: web.Request) -> web.Response:
    """The API's status."""
    return json_response({"api": "OK", "triggers": "OK"})


@routes.get("/v2/time")
async def time_all(request: web.Request) -> web.Response:
    """The server time in seconds, milliseconds and ISO 8601."""
    now = runtime(request).now()
    return json_response({"seconds": int(now), "millis": int(now * 1000), "iso8601": iso(now)})


@routes.get("/v2/time/seconds")
async def time_seconds(request: web.Request) -> web.Response:
    """The server time in Unix seconds, as a plain number."""
    return web.Response(text=str(int(runtime(request).now())), content_type="text/plain")


@routes.get("/v2/time/millis")
async def time_millis(request: web.Request) -> web.Response:
    """The server time in Unix milliseconds, as a plain number."""
    return web.Response(text=str(int(runtime(request).now() * 1000)), content_type="text/plain")


@routes.get("/v2/time/iso8601")
async def time_iso8601(request: web.Request) -> web.Response:
    """The server time in ISO 8601, as plain (unquoted) text."""
    return web.Response(text=iso(runtime(request).now()), content_type="text/plain")
