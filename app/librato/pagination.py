"""Librato pagination (wire.md §3.2): ``offset`` (default 0), ``length`` (default and maximum 100),
``orderby`` (a set per resource), ``sort`` (``asc`` | ``desc``); every page answers
``{"query": {"found", "length", "offset", "total"}, "<collection>": [...]}``.

``query.length`` is the number of items on this page (≤ the requested length), as the python
client expects: 3.1.0 walks ``offset += length`` while ``offset < total and length > 0``, so a
filtered listing stops at its first empty page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from app.errors import Invalid
from app.http import json_response

T = TypeVar("T")
MAX_LENGTH = 100


class PageQuery(msgspec.Struct, frozen=True, kw_only=True):
    offset: int = 0
    length: int = MAX_LENGTH
    orderby: str = ""
    sort: str = "asc"


def _int(request: web.Request, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = request.query.get(name, "").strip()
    if raw == "":
        return default
    try:
        if not raw.isascii() or len(raw) > 18:  # int() also reads full-width and Arabic digits
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer", field=name, reason="is not a number") from None
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise Invalid(f"{name} must be {bound}", field=name, reason=f"must be {bound}")
    return value


def page_query(request: web.Request, orderby: Sequence[str], default: str | None = None) -> PageQuery:
    """Read and check the paging parameters; ``orderby`` lists the values this resource allows."""
    order = request.query.get("orderby", "").strip() or (default if default is not None else orderby[0])
    if order not in orderby:
        raise Invalid(f"orderby must be one of {', '.join(orderby)}", field="orderby", reason="is not supported")
    sort = request.query.get("sort", "").strip().lower() or "asc"
    if sort not in ("asc", "desc"):
        raise Invalid("sort must be asc or desc", field="sort", reason="must be asc or desc")
    return PageQuery(offset=_int(request, "offset", 0, 0, None), length=_int(request, "length", MAX_LENGTH, 1, MAX_LENGTH),
                     orderby=order, sort=sort)


def paginate(request: web.Request, collection: str, items: Sequence[T], *, orderby: Mapping[str, Callable[[T], Any]],
             render: Callable[[T], Any], total: int | None = None, default: str | None = None) -> web.Response:
    """One page of ``items`` (already filtered), ordered by one of ``orderby``'s keys, as Librato answers it.
    ``total`` is everything the user owns (before filters); it defaults to ``len(items)``."""
    q = page_query(request, list(orderby), default)
    ordered = sorted(items, key=orderby[q.orderby], reverse=q.sort == "desc")
    page = ordered[q.offset:q.offset + q.length]
    body = {"query": {"found": len(items), "length": len(page), "offset": q.offset,
                      "total": len(items) if total is None else total},
            collection: [render(x) for x in page]}
    return json_response(body)
