"""The OpenAPI 3.1 document of every route, built from the router itself.

Each handler's docstring is its summary (first line) and description (the rest); a route whose
handler has none is a documentation bug, and the test suite fails on it.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_TAGS = (("/admin", "admin"), ("/v1", "librato"), ("/share", "librato"), ("/v2", "m2x"),
         ("/api/projects", "posthog"), ("/api/environments", "posthog"), ("/shared", "posthog"),
         ("/embedded", "posthog"), ("/api", "grafana"), ("/public-dashboards", "grafana"))


def _tag(path: str) -> str:
    return next((tag for prefix, tag in _TAGS if path.startswith(prefix)), "broadsheet")


def operations(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, OpenAPI path, handler) for every route but the automatic HEADs."""
    out = []
    for route in app.router.routes():
        if route.method in ("HEAD", "*") or route.resource is None:
            continue
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None:
            continue
        out.append((route.method.lower(), _PARAM.sub(r"{\1}", path), route.handler))
    return out


def document(app: web.Application, *, version: str, server_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in operations(app):
        doc = inspect.getdoc(handler) or ""
        summary, _, description = doc.partition("\n")
        op: dict[str, Any] = {
            "operationId": f"{method}_{handler.__module__.rsplit('.', 1)[-1]}_{handler.__name__}",
            "summary": summary.strip(),
            "tags": [_tag(path)],
            "responses": {"default": {"description": "See the dialect's documentation for status codes and bodies."}},
        }
        if description.strip():
            op["description"] = description.strip()
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in _PARAM.findall(path)]
        if params:
            op["parameters"] = params
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Broadsheet", "version": version,
                 "description": "Publish charts and dashboards of time-series data through the Librato, M2X, "
                                "PostHog and Grafana APIs, over an append-only, hash-chained event log."},
        "servers": [{"url": server_url}],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "m2x": {"type": "apiKey", "in": "header", "name": "X-M2X-KEY"},
        }},
        "paths": dict(sorted(paths.items())),
    }
