"""One JSON line per request on the ``broadsheet.access`` logger."""

from __future__ import annotations

import logging

import msgspec
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from app.http import REQUEST_ID

_encode = msgspec.json.Encoder().encode


def _text(s: str | None) -> str | None:
    """Headers and paths that were not UTF-8 arrive with lone surrogates, which JSON cannot
    hold: those are written as backslash escapes."""
    return s if s is None or s.isascii() else s.encode("utf-8", "backslashreplace").decode("utf-8")


class JsonAccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(_encode({
            "request_id": request.get(REQUEST_ID, ""),
            "remote": request.remote,
            "method": request.method,
            "path": _text(request.path),  # never the query string: it may carry share tokens
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 2),
            "agent": _text(request.headers.get("User-Agent", "")),
        }).decode())


class JsonLogFormatter(logging.Formatter):
    """Every log record as one JSON object; access lines are already JSON and pass through."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        if record.name == "broadsheet.access":
            return msg
        out = {"ts": self.formatTime(record), "level": record.levelname, "logger": record.name, "msg": msg}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return _encode(out).decode()
