"""The route table of public sharing: the Librato token, snapshot and job APIs and the public
pages and images they open."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
