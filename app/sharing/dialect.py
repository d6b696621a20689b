"""How the public ``/share`` pages word a failure: a small HTML page with the status, since a
browser is the client. Every text is escaped. (``/v1`` errors are the Librato dialect's.)"""

from __future__ import annotations

import html

from aiohttp import web

from app.errors import DomainError
from app.http import Dialect

_STATUS = {"malformed": 400, "invalid": 400, "not_found": 404, "method_not_allowed": 405, "too_large": 413,
           "unsupported_media_type": 415, "rate_limited": 429}
_TITLE = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 429: "Too many requests",
          500: "Something went wrong"}


def owns(path: str) -> bool:
    return path.startswith("/share/")


def _page(status: int, message: str) -> web.Response:
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if status == 429:
        headers["Retry-After"] = "1"
    title = _TITLE.get(status, "Error")
    body = ("<!doctype html>\n<html lang=en><head><meta charset=utf-8><meta name=robots content=noindex>"
            f"<title>{status} {html.escape(title)}</title>"
            "<style>body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa;margin:0;"
            "display:grid;place-items:center;min-height:100vh}main{text-align:center;padding:24px}"
            "h1{font-size:44px;margin:0;color:#9aa5b1}</style></head>"
            f"<body><main><h1>{status}</h1><p>{html.escape(message)}</p></main></body></html>\n")
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=headers)


def error(err: DomainError) -> web.Response:
    status = _STATUS.get(err.kind, 400)
    return _page(status, err.message if status != 404 else "This share does not exist or is no longer public.")


def internal() -> web.Response:
    return _page(500, "The page could not be drawn. Please try again later.")


DIALECT = Dialect("share", owns=owns, error=error, internal=internal)
