"""The one route table of the Librato dialect: every module of ``app.librato`` decorates it."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
