"""Librato request parameters: JSON bodies, form-encoded bodies and query strings.

Librato is a Rails application, so its forms nest the Rack way, and so do ours:

- ``a=1``                          -> ``{"a": "1"}``
- ``a[b]=1``                       -> ``{"a": {"b": "1"}}``
- ``a[0][name]=x&a[0][value]=1``   -> ``{"a": {"0": {"name": "x", "value": "1"}}}`` (a hash by index:
  the "form-encoded shape" that wire.md §3.4 describes; ``listlike`` turns it into a list)
- ``a[]=1&a[]=2``                  -> ``{"a": ["1", "2"]}``
- ``a[][n]=x&a[][v]=1&a[][n]=y``   -> ``{"a": [{"n": "x", "v": "1"}, {"n": "y"}]}`` (a new element starts
  when its first key repeats)

Form values stay strings; the code that reads a field converts it (and names the field when it cannot).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from app.errors import Invalid, Malformed, UnsupportedMediaType
from app.http import is_json, parse_json, read_body, small_int

MAX_DEPTH = 32
_BRACKET = re.compile(r"\[([^\[\]]*)\]")


def split_key(name: str) -> tuple[str, list[str]]:
    """``a[b][][c]`` -> ``("a", ["b", "", "c"])``; a name without brackets has no parts."""
    i = name.find("[")
    if i <= 0:
        return name, []
    parts: list[str] = []
    pos = i
    for m in _BRACKET.finditer(name, i):
        if m.start() != pos:
            break
        parts.append(m[1])
        pos = m.end()
    if pos != len(name) or len(parts) > MAX_DEPTH:
        raise Malformed(f"cannot read the parameter name {name!r}", field=name[:i], reason="is malformed")
    return name[:i], parts


def _has_path(d: dict[str, Any], parts: list[str]) -> bool:
    for p in parts:
        if p == "" or not isinstance(d, dict) or p not in d:
            return False
        d = d[p]
    return True


def _insert(container: dict[str, Any], key: str, parts: list[str], value: str, name: str) -> None:
    if not parts:
        container[key] = value  # a repeated plain key: the last one wins, as in Rack
        return
    head, rest = parts[0], parts[1:]
    if head == "":
        seq = container.setdefault(key, [])
        if not isinstance(seq, list):
            raise Malformed(f"{name!r} mixes a list with a value or hash", field=key, reason="is malformed")
        if not rest:
            seq.append(value)
        elif seq and isinstance(seq[-1], dict) and not _has_path(seq[-1], rest):
            _insert(seq[-1], rest[0], rest[1:], value, name)
        else:
            element: dict[str, Any] = {}
            _insert(element, rest[0], rest[1:], value, name)
            seq.append(element)
        return
    sub = container.setdefault(key, {})
    if not isinstance(sub, dict):
        raise Malformed(f"{name!r} mixes a hash with a value or list", field=key, reason="is malformed")
    _insert(sub, head, rest, value, name)


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest ``(name, value)`` pairs the Rack way (see the module docstring)."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        key, parts = split_key(name)
        if key:
            _insert(out, key, parts, value, name)
    return out


def parse_form(body: bytes) -> dict[str, Any]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Malformed("the form body is not UTF-8") from None
    return parse_pairs(pairs)


def query_params(request: web.Request) -> dict[str, Any]:
    """The query string, nested: ``sources[]=a&tags[host]=b`` -> ``{"sources": ["a"], "tags": {"host": "b"}}``."""
    return parse_pairs(request.query.items())


async def body_params(request: web.Request, *, json_only: bool = False) -> dict[str, Any]:
    """The body as nested parameters: JSON, or (unless ``json_only``) a form. No body is ``{}``.

    Without a Content-Type the body is read as JSON when it looks like JSON, else as a form
    (what ``curl -d`` sends is form-encoded anyway)."""
    ctype = request.content_type
    body = await read_body(request)
    if is_json(request):
        return parse_json(body) if body.strip() else {}
    if ctype == "application/x-www-form-urlencoded" and not json_only:
        return parse_form(body)
    if ctype in ("", "application/octet-stream"):
        if not body.strip():
            return {}
        if body.lstrip()[:1] in (b"{", b"["):
            return parse_json(body)
        if not json_only:
            return parse_form(body)
    wanted = "application/json" if json_only else "application/json or application/x-www-form-urlencoded"
    raise UnsupportedMediaType(f"expected {wanted}, got {ctype or 'no Content-Type'}")


def listlike(value: Any, field: str) -> list[Any]:
    """A JSON array, or a hash by index as forms give it (``{"0": ..., "1": ...}``), as a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and all(small_int(k) is not None for k in value):
        return [value[k] for k in sorted(value, key=int)]
    raise Invalid(f"{field} must be a list", field=field, reason="is not a list")
