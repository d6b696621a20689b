"""Reading Librato request parameters for the sharing endpoints: the body (form or JSON, and the
JSON that ``curl -d`` labels as a form), integers as clients send them, and the one way a set of
refused fields becomes Librato's ``{"errors": {"params": {...}}}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.errors import Invalid, Malformed
from app.http import read_body, small_int
from app.librato.forms import body_params, parse_json

Errors = dict[str, list[str]]


async def params(request: web.Request) -> dict[str, Any]:
    """The body as Librato parameters. ``curl -d '{...}'`` without ``-H Content-Type`` sends JSON
    labelled as a form (the snapshot seed does exactly that), so a "form" that is a JSON object
    is read as JSON; a real form never starts with ``{``. The seed's example also lacks its last
    ``}``: such a body, and only such a body, has its missing closing brackets added."""
    if request.content_type == "application/x-www-form-urlencoded":
        body = await read_body(request)
        if body.lstrip().startswith(b"{"):
            try:
                return parse_json(body)
            except Malformed:
                completed = close_brackets(body)
                if completed is None:
                    raise
                return parse_json(completed)
    return await body_params(request)


def close_brackets(body: bytes) -> bytes | None:
    """``body`` with the closing brackets it lacks at its end, or None when something else is
    wrong with it (an open string, a mismatched bracket, nothing missing)."""
    closers = {ord("{"): b"}", ord("["): b"]"}
    stack: list[bytes] = []
    in_string = escaped = False
    for c in body:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == 0x5C, c != 0x22)
        elif c == 0x22:
            in_string = True
        elif c in closers:
            stack.append(closers[c])
        elif c in (0x7D, 0x5D):
            if not stack or stack.pop()[0] != c:
                return None
    if in_string or not stack:
        return None
    return body.rstrip() + b"".join(reversed(stack))


def as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    return small_int(raw.strip()) if isinstance(raw, str) else None


def refuse(errors: Errors) -> None:
    if errors:
        field = next(iter(errors))
        raise Invalid(f"{field} {errors[field][0]}", field=field, reason=errors[field][0], errors=errors)


