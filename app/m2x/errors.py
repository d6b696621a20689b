"""How the M2X API words a failure, in one place.

- 422 ``{"message": "Validation Failed", "errors": {field: [reason]}}`` for refused input;
- otherwise ``{"message", "description"}``: the 403 bodies ("Forbidden", "Account Not Active")
  and the 404 description are M2X's own words (seeds/m2x-charts.txt); 401 for a missing or
  unknown ``X-M2X-KEY``.

Raise ``app.errors`` exceptions as everywhere; the helpers below give them M2X's wording
(``not_found("Device")`` → 404 "Device Not Found").
"""

from __future__ import annotations

from aiohttp import web

from app.errors import DomainError, Forbidden, Invalid, NotFound
from app.http import STATUS, Dialect, json_response

NOT_FOUND_DESCRIPTION = ("The resource you requested could not be found. Please verify that the correct resource path "
                         "was provided, or refer to https://m2x.att.com/developer/documentation for complete API "
                         "documentation.")
FORBIDDEN = {"message": "Forbidden", "description": (
    "The resource you requested is disabled or not accessible with your API key. Please try again with an API key "
    "authorized for this operation. Learn more about managing API keys at "
    "https://m2x.att.com/developer/documentation/overview#API-Keys")}
INACTIVE = {"message": "Account Not Active", "description": (
    "Your account has not been activated yet. If you need to re-send the activation email, please visit "
    "https://m2x.att.com/activation-required")}
UNAUTHORIZED = {"message": "Unauthorized", "description": (
    "The API key is missing, unknown or disabled. Send a valid key in the X-M2X-KEY header.")}

_TITLES = {400: "Bad Request", 405: "Method Not Allowed", 409: "Conflict", 413: "Request Entity Too Large",
           415: "Unsupported Media Type", 429: "Too Many Requests"}


def owns(path: str) -> bool:
    return path == "/v2" or path.startswith("/v2/")


def not_found(what: str) -> NotFound:
    """``raise not_found("Device")``: 404 ``{"message": "Device Not Found", ...}``."""
    return NotFound(f"{what} Not Found")


def forbidden(why: str = "not accessible with this API key") -> Forbidden:
    return Forbidden(why)


def invalid(field: str, reason: str, message: str | None = None) -> Invalid:
    """A 422 naming the field: ``{"errors": {field: [reason]}}``."""
    return Invalid(message or f"{field} {reason}", field=field, reason=reason)


def _code(reason: str) -> str:
    """M2X names a refusal with a code (``invalid``, ``out_of_range``); code shared with the
    other dialects words it as Librato does (``is invalid``): the same, as a code."""
    return reason[3:].replace(" ", "_") if reason.startswith("is ") else reason


def error(err: DomainError) -> web.Response:
    status = STATUS.get(err.kind, 400)
    if err.kind == "conflict" and err.errors:
        status = 422  # M2X reports a taken value as a validation failure
    if status == 422:
        errors = {f: [_code(x) for x in r] for f, r in err.errors.items()} if err.errors else {"base": [err.message]}
        return json_response({"message": "Validation Failed", "errors": errors}, status=422)
    if status == 401:
        return json_response(UNAUTHORIZED, status=401)
    if err.kind == "account_inactive":
        return json_response(INACTIVE, status=403)
    if status == 403:
        return json_response(FORBIDDEN, status=403)
    if status == 404:
        message = err.message if err.message.endswith("Not Found") else "Not Found"
        return json_response({"message": message, "description": NOT_FOUND_DESCRIPTION}, status=404)
    return json_response({"message": _TITLES.get(status, "Bad Request"), "description": err.message}, status=status)


def internal() -> web.Response:
    return json_response({"message": "Internal Server Error",
                          "description": "The server could not complete the request."}, status=500)


DIALECT = Dialect("m2x", owns=owns, error=error, internal=internal)
