"""M2X devices: create, list, get, update, delete (``/v2/devices``). A device is addressed by
its id or as ``serial/{serial}``. Creating, listing, updating and deleting need a master key."""

from __future__ import annotations

import math

import msgspec
from aiohttp import web

from app import devices as commands
from app.accounts import has_scope
from app.errors import Invalid
from app.http import base_url, json_body, json_response, request_id, runtime
from app.m2x import access
from app.m2x.params import int_param
from app.m2x.routing import DEVICE, routes
from app.m2x.shapes import device_json, device_url
from projections.devices import Device


class DeviceIn(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    description: str | None | msgspec.UnsetType = msgspec.UNSET
    visibility: str | msgspec.UnsetType = msgspec.UNSET
    serial: str | None | msgspec.UnsetType = msgspec.UNSET
    tags: str | list[str] | None | msgspec.UnsetType = msgspec.UNSET  # the python client sends "a,b"


def _tags(raw: str | list[str] | None) -> list[str]:
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    return [t.strip() for t in items if t.strip()]


def _who(request: web.Request, actor: str) -> dict[str, str]:
    return {"actor": actor, "request_id": request_id(request)}


@routes.post("/v2/devices")
async def create_device(request: web.Request) -> web.Response:
    """Create a device (master key); the answer holds its Primary Device Key, shown this once."""
    p = access.master(request, "data:write")
    b = await json_body(request, DeviceIn)
    if isinstance(b.name, msgspec.UnsetType):
        raise Invalid("name is required", field="name", reason="not_present")
    device, raw = await commands.create_device(
        runtime(request), p.org_id, p.user_id, name=b.name,
        description=b.description if isinstance(b.description, str) else "",
        visibility=b.visibility if isinstance(b.visibility, str) else "private",
        serial=b.serial if isinstance(b.serial, str) else None,
        tags=_tags(b.tags) if not isinstance(b.tags, msgspec.UnsetType) else [],
        key_scopes=tuple(s for s in commands.DEVICE_KEY_SCOPES if has_scope(p.key, s)), **_who(request, p.actor))
    url = device_url(base_url(request), device.id)
    return json_response({**device_json(base_url(request), device), "key": raw}, status=201, headers={"Location": url})


_SORTS = {"name": lambda d: (d.name.lower(), d.created_at, d.id), "created": lambda d: (d.created_at, d.id),
          "last_activity": lambda d: (d.last_activity, d.id), "updated": lambda d: (d.updated_at, d.id)}


def _matches(d: Device, q: dict[str, str], tags: list[str]) -> bool:
    """The device passes the listing's filters (``tags``: the ``tags`` filter, parsed)."""
    if (text := q.get("q")) and text.lower() not in (d.name + " " + d.description).lower():
        return False
    if (vis := q.get("visibility")) and d.visibility != vis:
        return False
    if (serial := q.get("serial")) and d.serial != serial:
        return False
    return all(t in d.tags for t in tags)


@routes.get("/v2/devices")
async def list_devices(request: web.Request) -> web.Response:
    """List the account's devices (master key): `page`, `limit` (≤100, larger is clamped; default 10),
    filters `q` (name or description contains), `visibility`, `serial`, `tags` (comma-separated, all
    must match), order `sort` = created|name|last_activity|updated and `dir` = desc|asc (default created, desc)."""
    p = access.master(request, "data:read")
    q = dict(request.query)
    page = int_param(q, "page", 1, lo=1, hi=10**9, clamp=False)
    limit = int_param(q, "limit", 10, lo=1, hi=100)
    sort = q.get("sort", "created")
    if sort not in _SORTS:
        raise Invalid("sort must be one of " + ", ".join(_SORTS), field="sort", reason="invalid")
    direction = q.get("dir", "desc")
    if direction not in ("asc", "desc"):
        raise Invalid("dir must be asc or desc", field="dir", reason="invalid")
    tags = _tags(q.get("tags"))
    found = sorted((d for d in commands.devices_view(runtime(request)).of_org(p.org_id) if _matches(d, q, tags)),
                   key=_SORTS[sort], reverse=direction == "desc")
    chunk = found[(page - 1) * limit: page * limit]
    base = base_url(request)
    return json_response({"devices": [device_json(base, d) for d in chunk], "total": len(found),
                          "pages": math.ceil(len(found) / limit), "limit": limit, "current_page": page})


@routes.get(DEVICE)
async def get_device(request: web.Request) -> web.Response:
    """View a device's details (by id or `serial/{serial}`); a device key may view its own device."""
    _, device = access.device(request, "data:read")
    return json_response(device_json(base_url(request), device))


@routes.put(DEVICE)
async def update_device(request: web.Request) -> web.Response:
    """Update a device's name, description, visibility, serial or tags (master key); 204.
    Fields left out keep their value."""
    p, device = access.master_device(request, "data:write")
    b = await json_body(request, DeviceIn)

    def pick(value: object, old: object) -> object:
        return old if isinstance(value, msgspec.UnsetType) else value

    await commands.update_device(
        runtime(request), device, name=pick(b.name, device.name),  # type: ignore[arg-type]
        description=pick(b.description, device.description) or "",  # type: ignore[arg-type]
        visibility=pick(b.visibility, device.visibility),  # type: ignore[arg-type]
        serial=pick(b.serial, device.serial),  # type: ignore[arg-type]
        tags=device.tags if isinstance(b.tags, msgspec.UnsetType) else _tags(b.tags), **_who(request, p.actor))
    return web.Response(status=204)


@routes.delete(DEVICE)
async def delete_device(request: web.Request) -> web.Response:
    """Delete a device with its streams, values and device keys (master key); 204."""
    p, device = access.master_device(request, "data:write")
    await commands.delete_device(runtime(request), device, **_who(request, p.actor))
    return web.Response(status=204)
