"""How the Librato API words a failure: ``{"errors": {"params"|"request"|"system": ...}}``.

- ``params``: a field's value was refused (400), ``{"name": ["is not present"]}``;
- ``request``: everything about the request as a whole (401, 403, 404, 405, 413, 415, 422, ...);
- ``system``: our own fault (500). Sent with ``Connection: close``: the python client retries a 5xx
  on the same keep-alive connection without reading it and then fails with ``ResponseNotReady``.
"""

from __future__ import annotations

from aiohttp import web

from app.errors import DomainError
from app.http import Dialect, json_response

REALM = 'Basic realm="Librato API"'

_STATUS = {"malformed": 400, "invalid": 400, "unauthenticated": 401, "forbidden": 403, "account_inactive": 403,
           "not_found": 404, "method_not_allowed": 405, "too_large": 413, "unsupported_media_type": 415,
           "conflict": 422, "rate_limited": 429}


def owns(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def error(err: DomainError) -> web.Response:
    status = _STATUS.get(err.kind, 400)
    if status == 400 and err.errors:
        body = {"errors": {"params": {f: list(reasons) for f, reasons in err.errors.items()}}}
    elif status == 422 and err.errors:
        body = {"errors": {"params": {f: list(reasons) for f, reasons in err.errors.items()},
                           "request": ["Entity Already Exists"]}}
    elif status == 422:
        body = {"errors": {"request": ["Entity Already Exists", err.message]}}
    else:
        body = {"errors": {"request": [err.message]}}
    headers = {"WWW-Authenticate": REALM} if status == 401 else None
    return json_response(body, status=status, headers=headers)


def internal() -> web.Response:
    return json_response({"errors": {"system": ["The server could not complete the request."]}}, status=500,
                         headers={"Connection": "close"})


DIALECT = Dialect("librato", owns=owns, error=error, internal=internal)
