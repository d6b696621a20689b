"""M2X API keys (``/v2/keys``), master key only: create master or device keys, list, view,
regenerate, delete. Keys are core keys (app/accounts.py): stored only as hashes, so a key is
shown in clear when it is created or regenerated, or when it is looked up by itself.

``permissions`` are kept with the key and enforced (a method not listed gets 403), and also
map to scopes: GET → data:read + charts:read; POST, PUT, DELETE → data:write + charts:write.
Device keys get only the data scopes. The first master key of an account and the
first key of a device are their primary keys: they can be regenerated, not deleted."""

from __future__ import annotations

import re

import msgspec
from aiohttp import web

from app import accounts
from app.devices import devices_view
from app.http import base_url, json_body, json_response, request_id, runtime, small_int
from app.m2x import access
from app.m2x.errors import invalid, not_found
from app.m2x.routing import routes
from app.m2x.shapes import PERMISSIONS, key_json
from projections.accounts import Accounts, ApiKey

_HEX = re.compile(r"^[0-9a-f]{32}$")


class KeyIn(msgspec.Struct):
    name: str = ""
    permissions: list[str] | None = None
    device: str | None = None
    stream: str | None = None
    expires_at: str | None = None  # accepted; keys do not expire in Broadsheet


def _accounts(request: web.Request) -> Accounts:
    return runtime(request)["accounts"]  # type: ignore[no-any-return]


def _find(request: web.Request, org_id: int) -> tuple[ApiKey, str | None]:
    """The key of the path (the key itself, or its number) and, when known, its raw form."""
    ref = request.match_info["key"]
    acc = _accounts(request)
    raw = ref if _HEX.match(ref) else None
    key = acc.key_by_hash(accounts.hash_key(ref)) if raw else acc.state.keys.get(small_int(ref) or 0)
    if key is None or key.org_id != org_id or not key.enabled:
        raise not_found("Key")
    return key, raw


def _is_primary(acc: Accounts, key: ApiKey) -> bool:
    peers = [k.id for k in acc.state.keys.values()
             if k.org_id == key.org_id and (k.device == key.device if key.device else k.master)]
    return bool(peers) and min(peers) == key.id


@routes.get("/v2/keys")
async def list_keys(request: web.Request) -> web.Response:
    """List the account's keys (secrets masked), or a device's with `?device={id}`."""
    p = access.master(request, "data:read")
    device = request.query.get("device")
    keys = [k for k in sorted(_accounts(request).state.keys.values(), key=lambda k: k.id)
            if k.org_id == p.org_id and k.enabled and (device is None or k.device == device)]
    return json_response({"keys": [key_json(base_url(request), k, None) for k in keys]})


@routes.post("/v2/keys")
async def create_key(request: web.Request) -> web.Response:
    """Create a key: `name`, `permissions` (GET, POST, PUT, DELETE; default all), `device` for a
    device key and `stream` to limit it to one stream; 201 with the key, shown this once."""
    p = access.master(request, "data:write")
    b = await json_body(request, KeyIn)
    perms = list(PERMISSIONS) if b.permissions is None else [m.upper() for m in b.permissions]
    if not perms or any(m not in PERMISSIONS for m in perms):
        raise invalid("permissions", "invalid", "permissions must be some of GET, POST, PUT, DELETE")
    if b.stream is not None and b.device is None:
        raise invalid("device", "not_present", "a stream key needs its device")
    if b.device is not None:
        device = devices_view(runtime(request)).device(b.device)
        if device is None or device.org_id != p.org_id:
            raise invalid("device", "not_found", "no such device in this account")
    # a key never grants more than the key that makes it holds
    scopes = [s for m in perms for s in PERMISSIONS[m]
              if (b.device is None or s.startswith("data:")) and accounts.has_scope(p.key, s)]
    key, raw = await accounts.create_key(runtime(request), p.user_id, scopes=scopes, name=b.name, device=b.device,
                                         stream=b.stream, methods=sorted(set(perms)), actor=p.actor,
                                         request_id=request_id(request))
    return json_response(key_json(base_url(request), key, raw), status=201,
                         headers={"Location": f"{base_url(request)}/v2/keys/{raw}"})


@routes.get("/v2/keys/{key}")
async def get_key(request: web.Request) -> web.Response:
    """View a key, addressed by the key itself or by its `id` from the listing."""
    p = access.master(request, "data:read")
    key, raw = _find(request, p.org_id)
    return json_response(key_json(base_url(request), key, raw))


@routes.post("/v2/keys/{key}/regenerate")
async def regenerate_key(request: web.Request) -> web.Response:
    """Replace a key's secret; the old one stops working at once. Answers the key with the new secret."""
    p = access.master(request, "data:write")
    key, _ = _find(request, p.org_id)
    key, raw = await accounts.regenerate_key(runtime(request), key.id, actor=p.actor, request_id=request_id(request))
    return json_response(key_json(base_url(request), key, raw))


@routes.delete("/v2/keys/{key}")
async def delete_key(request: web.Request) -> web.Response:
    """Delete a key (it stops working at once); primary keys cannot be deleted; 204."""
    p = access.master(request, "data:write")
    key, _ = _find(request, p.org_id)
    if _is_primary(_accounts(request), key):
        raise invalid("key", "primary", "a primary key cannot be deleted (regenerate it instead)")
    await accounts.disable_key(runtime(request), key.id, actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)
