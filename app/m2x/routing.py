"""The one route table of the M2X dialect: every module of ``app.m2x`` decorates it.

``DEVICE`` is the path of a device addressed by id (32 hex) or as ``serial/{serial}``."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()

DEVICE = "/v2/devices/{device:(?:serial/)?[^/{}]+}"
STREAM = DEVICE + "/streams/{stream}"
