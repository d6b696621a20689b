"""What every route shares: the typed app keys, request ids, the dialect registry that turns a
domain error into the dialect's own answer, and body decoding that never lets bad input through.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from aiohttp import web

from app.config import Config
from app.errors import (Conflict, DomainError, Invalid, Malformed, MethodNotAllowed, NotFound, TooLarge,
                        UnsupportedMediaType)
from events.errors import ConcurrencyError, StoreClosed, Unstorable

if TYPE_CHECKING:
    from app.runtime import Runtime

log = logging.getLogger("broadsheet.http")

CONFIG: web.AppKey[Config] = web.AppKey("config", Config)
RUNTIME: web.AppKey["Runtime"] = web.AppKey("runtime")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def runtime(request: web.Request) -> "Runtime":
    return request.app[RUNTIME]


def request_id(request: web.Request) -> str:
    return request.get(REQUEST_ID, "")


def base_url(request: web.Request) -> str:
    """The server's public base URL, for the links in bodies and Location headers."""
    return request.app[CONFIG].base_url


@dataclass(frozen=True)
class Dialect:
    """One vendor API: which paths are its own, and how it words an error."""

    name: str
    owns: Callable[[str], bool]
    error: Callable[[DomainError], web.Response]
    internal: Callable[[], web.Response]


_DIALECTS: list[Dialect] = []


def register_dialect(dialect: Dialect) -> None:
    _DIALECTS[:] = [d for d in _DIALECTS if d.name != dialect.name] + [dialect]


def dialect_for(path: str) -> Dialect:
    for d in _DIALECTS:
        if d.owns(path):
            return d
    return _NATIVE


# The HTTP status of each domain error kind (anything else: 400), for the dialects that use it.
STATUS = {"malformed": 400, "invalid": 422, "not_found": 404, "conflict": 409, "unauthenticated": 401,
          "forbidden": 403, "account_inactive": 403, "too_large": 413, "unsupported_media_type": 415,
          "method_not_allowed": 405, "rate_limited": 429}


def _native_error(err: DomainError) -> web.Response:
    status = STATUS.get(err.kind, 400)
    body = {"error": {"code": err.kind, "message": err.message, "field": err.field}}
    headers = {"WWW-Authenticate": 'Bearer realm="broadsheet"'} if status == 401 else None
    return web.json_response(body, status=status, headers=headers)


def _native_internal() -> web.Response:
    return web.json_response({"error": {"code": "internal", "message": "internal server error", "field": None}}, status=500)


_NATIVE = Dialect("broadsheet", lambda p: True, _native_error, _native_internal)


def _from_http(exc: web.HTTPException) -> DomainError | None:
    """aiohttp's own refusals (no route, wrong method, body too big) in domain terms."""
    match exc.status:
        case 404:
            return NotFound("no such resource")
        case 405:
            return MethodNotAllowed("method not allowed")
        case 413:
            return TooLarge("the request body is too large")
        case 415:
            return UnsupportedMediaType(exc.text or "unsupported media type")
        case s if 400 <= s < 500:
            return Malformed(exc.reason or "bad request")
    return None


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request.headers.get("X-Request-Id", "")[:64]
    if not (rid.isascii() and rid.isprintable()) or not rid:  # it goes into the log and its hash chain
        rid = os.urandom(12).hex()
    request[REQUEST_ID] = rid
    response = await handler(request)
    response.headers.setdefault("X-Request-Id", rid)
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one place a failure becomes an answer, in the dialect of the path that was asked."""
    try:
        return await handler(request)
    except DomainError as err:
        return dialect_for(request.path).error(err)
    except ConcurrencyError as err:
        return dialect_for(request.path).error(Conflict(f"changed by someone else meanwhile ({err})"))
    except Unstorable as err:
        return dialect_for(request.path).error(Invalid(str(err), field="body"))
    except RecursionError:  # input nested deeper than any check can walk: refused, not failed
        log.warning("RecursionError on %s %s: answered 400", request.method, request.path, exc_info=True)
        return dialect_for(request.path).error(Malformed(TOO_DEEP))
    except web.HTTPException as exc:
        mapped = _from_http(exc)
        if mapped is None:
            raise
        response = dialect_for(request.path).error(mapped)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except StoreClosed:
        return web.json_response({"message": "shutting down"}, status=503)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return dialect_for(request.path).internal()


# -- bodies ---------------------------------------------------------------------------------

def is_json(request: web.Request) -> bool:
    return request.content_type in ("application/json", "text/json") or request.content_type.endswith("+json")


async def read_body(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(f"the request body is larger than {request.app[CONFIG].max_body_bytes} bytes") from None


NOT_UTF8 = "the body is not valid JSON: a string in it is not UTF-8"
TOO_DEEP = "the body is nested too deeply"


def parse_json(body: bytes) -> dict[str, Any]:
    """A JSON object body, or Malformed (400 in each dialect's shape)."""
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise Malformed(f"the body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:  # msgspec's word for bytes in a string that are not UTF-8
        raise Malformed(NOT_UTF8) from None
    except RecursionError:
        raise Malformed(TOO_DEEP) from None
    if not isinstance(data, dict):
        raise Malformed("the JSON body must be an object")
    return data


def decode_json(body: bytes, type_: type[T]) -> T:
    """Decode into a typed value; a syntax error is Malformed, a wrong field is Invalid."""
    try:
        return msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        raise invalid_from(exc) from None
    except msgspec.DecodeError as exc:
        raise Malformed(f"the body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise Malformed(NOT_UTF8) from None
    except RecursionError:
        raise Malformed(TOO_DEEP) from None


def convert(data: Any, type_: type[T]) -> T:
    """Like decode_json, for data that came from a form or a query string (strings for numbers)."""
    try:
        return msgspec.convert(data, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise invalid_from(exc) from None


def invalid_from(exc: msgspec.ValidationError) -> DomainError:
    text = str(exc)
    field = None
    if "at `$." in text:
        field = text.rsplit("at `$.", 1)[1].rstrip("`").split("[")[0].split(".")[0] or None
    elif "missing required field `" in text or "unknown field `" in text:
        field = text.split("`")[1]
    reason = ("is not present" if "missing required field" in text
              else "is not allowed" if "unknown field" in text else "is invalid")
    return Invalid(text, field=field, reason=reason)


async def json_body(request: web.Request, type_: type[T], *, require_content_type: bool = True) -> T:
    if require_content_type and request.content_type not in ("", "application/octet-stream") and not is_json(request):
        raise UnsupportedMediaType(f"expected application/json, got {request.content_type}")
    body = await read_body(request)
    return decode_json(body or b"{}", type_)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=msgspec.json.encode(data), status=status, headers=headers,
                        content_type="application/json")


def int_from(q: Mapping[str, str], name: str, default: int, *, lo: int | None = None, hi: int | None = None,
             lower_above: bool = False, blank_as_absent: bool = False, not_int: str = "is not a number",
             out_of_range: str = "is out of range") -> int:
    """The integer parameter ``name`` of ``q`` (a query string, or parameters merged from a body);
    ``default`` when absent or empty (or only whitespace, with ``blank_as_absent``).

    Not an integer: Invalid with reason ``not_int``. Below ``lo``: Invalid with ``out_of_range``;
    above ``hi`` the same, or lowered to ``hi`` with ``lower_above`` (M2X's "at most N").
    The reasons are the dialect's own words."""
    raw = q.get(name)
    if raw is None or raw == "" or (blank_as_absent and not raw.strip()):
        return default
    try:
        if not raw.isascii():  # int() also reads full-width and Arabic digits
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer", field=name, reason=not_int) from None
    if (lo is not None and value < lo) or (hi is not None and value > hi and not lower_above):
        bound = (f"between {lo} and {hi}" if lo is not None and hi is not None
                 else f"at least {lo}" if lo is not None else f"at most {hi}")
        raise Invalid(f"{name} must be {bound}", field=name, reason=out_of_range)
    return value if hi is None else min(value, hi)


def int_param(request: web.Request, name: str, default: int, *, lo: int, hi: int | None = None) -> int:
    """An integer query parameter within lo..hi (the native wording)."""
    return int_from(request.query, name, default, lo=lo, hi=hi)


def small_int(text: str) -> int | None:
    """The value of a string of ASCII digits short enough for an id or a position (18), else
    None. str.isdigit() alone also holds for '²', which int() refuses, and for '٣'."""
    return int(text) if len(text) <= 18 and text.isascii() and text.isdigit() else None


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    value = small_int(raw)
    if value is None:
        raise NotFound(f"no {name} {raw!r}")
    return value
