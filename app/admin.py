"""Broadsheet's own API under /admin: organizations, users, keys, and the audit of the log.
Every route needs a Bearer key with the ``admin`` scope."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from app import accounts, audit, auth
from app.http import base_url, int_param, json_body, json_response, path_int, request_id, runtime
from app.times import iso_us
from projections.accounts import Accounts, ApiKey, Org, User

routes = web.RouteTableDef()


def _admin(request: web.Request) -> auth.Principal:
    return auth.bearer(request, "admin")


def _accounts(request: web.Request) -> Accounts:
    return runtime(request)["accounts"]  # type: ignore[no-any-return]


def org_json(o: Org) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "enabled": o.enabled, "created_at": iso_us(o.created_at)}


def user_json(u: User) -> dict[str, Any]:
    return {"id": u.id, "org_id": u.org_id, "email": u.email, "uuid": u.uuid, "name": u.name, "role": u.role,
            "enabled": u.enabled, "created_at": iso_us(u.created_at)}


def key_json(k: ApiKey) -> dict[str, Any]:
    return {"id": k.id, "org_id": k.org_id, "user_id": k.user_id, "name": k.name, "hint": f"…{k.hint}",
            "scopes": list(k.scopes), "device": k.device, "stream": k.stream, "enabled": k.enabled,
            "created_at": iso_us(k.created_at)}


class NewOrg(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    org_id: int
    email: str
    name: str = ""
    role: str = "member"


class NewKey(msgspec.Struct, forbid_unknown_fields=True):
    user_id: int
    scopes: list[str] | None = None
    name: str = ""


def _who(request: web.Request, p: auth.Principal) -> dict[str, str]:
    return {"actor": p.actor, "request_id": request_id(request)}


@routes.get("/admin/orgs")
async def list_orgs(request: web.Request) -> web.Response:
    """List organizations."""
    _admin(request)
    return json_response({"orgs": [org_json(o) for o in _accounts(request).state.orgs.values()]})


@routes.post("/admin/orgs")
async def create_org(request: web.Request) -> web.Response:
    """Create an organization."""
    p = _admin(request)
    body = await json_body(request, NewOrg)
    org = await accounts.create_org(runtime(request), body.name, **_who(request, p))
    return json_response(org_json(org), status=201, headers={"Location": f"/admin/orgs/{org.id}"})


@routes.get("/admin/orgs/{org_id}")
async def get_org(request: web.Request) -> web.Response:
    """Get one organization."""
    _admin(request)
    return json_response(org_json(accounts.find_org(runtime(request), path_int(request, "org_id"))))


@routes.post("/admin/orgs/{org_id}/disable")
async def disable_org(request: web.Request) -> web.Response:
    """Disable an organization: its keys stop working, its public shares stop answering."""
    p = _admin(request)
    org = await accounts.set_org_enabled(runtime(request), path_int(request, "org_id"), False, **_who(request, p))
    return json_response(org_json(org))


@routes.post("/admin/orgs/{org_id}/enable")
async def enable_org(request: web.Request) -> web.Response:
    """Enable a disabled organization again."""
    p = _admin(request)
    org = await accounts.set_org_enabled(runtime(request), path_int(request, "org_id"), True, **_who(request, p))
    return json_response(org_json(org))


@routes.get("/admin/users")
async def list_users(request: web.Request) -> web.Response:
    """List users, optionally of one organization (`?org_id=`)."""
    _admin(request)
    org_id = int_param(request, "org_id", 0, lo=0)
    users = [u for u in _accounts(request).state.users.values() if not org_id or u.org_id == org_id]
    return json_response({"users": [user_json(u) for u in users]})


@routes.post("/admin/users")
async def create_user(request: web.Request) -> web.Response:
    """Create a user in an organization."""
    p = _admin(request)
    b = await json_body(request, NewUser)
    user = await accounts.create_user(runtime(request), b.org_id, b.email, name=b.name, role=b.role, **_who(request, p))
    return json_response(user_json(user), status=201, headers={"Location": f"/admin/users/{user.id}"})


@routes.get("/admin/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    """Get one user."""
    _admin(request)
    return json_response(user_json(accounts.find_user(runtime(request), path_int(request, "user_id"))))


@routes.post("/admin/users/{user_id}/disable")
async def disable_user(request: web.Request) -> web.Response:
    """Disable a user: every key of theirs stops working."""
    p = _admin(request)
    user = await accounts.disable_user(runtime(request), path_int(request, "user_id"), **_who(request, p))
    return json_response(user_json(user))


@routes.get("/admin/keys")
async def list_keys(request: web.Request) -> web.Response:
    """List keys (never their secret), optionally by `?org_id=` or `?user_id=`."""
    _admin(request)
    org_id = int_param(request, "org_id", 0, lo=0)
    user_id = int_param(request, "user_id", 0, lo=0)
    keys = [k for k in _accounts(request).state.keys.values()
            if (not org_id or k.org_id == org_id) and (not user_id or k.user_id == user_id)]
    return json_response({"keys": [key_json(k) for k in keys]})


@routes.post("/admin/keys")
async def create_key(request: web.Request) -> web.Response:
    """Create a key for a user. The response is the only time the key is shown."""
    p = _admin(request)
    b = await json_body(request, NewKey)
    key, raw = await accounts.create_key(runtime(request), b.user_id, scopes=b.scopes, name=b.name, **_who(request, p))
    return json_response({**key_json(key), "key": raw}, status=201, headers={"Location": f"/admin/keys/{key.id}"})


@routes.get("/admin/keys/{key_id}")
async def get_key(request: web.Request) -> web.Response:
    """Get one key's metadata."""
    _admin(request)
    return json_response(key_json(accounts.find_key(runtime(request), path_int(request, "key_id"))))


@routes.post("/admin/keys/{key_id}/disable")
async def disable_key(request: web.Request) -> web.Response:
    """Disable a key; the very next request with it gets 401."""
    p = _admin(request)
    key = await accounts.disable_key(runtime(request), path_int(request, "key_id"), **_who(request, p))
    return json_response(key_json(key))


@routes.get("/admin/events")
async def list_events(request: web.Request) -> web.Response:
    """List events of the log: filters `entity` (e.g. `key-3`, `chart-*`, `share`), `actor`,
    `type`, `since`, `until` (ISO 8601 or Unix seconds); pages with `after` and `limit` (≤1000)."""
    _admin(request)
    q = request.query
    limit = int_param(request, "limit", 100, lo=1, hi=1000)
    after = int_param(request, "after", 0, lo=0)
    flt = audit.event_filter(entity=q.get("entity"), actor=q.get("actor"), type_=q.get("type"),
                             since=q.get("since"), until=q.get("until"), after=after)
    envs = await runtime(request).store.query(flt, limit=limit + 1)
    more = len(envs) > limit
    envs = envs[:limit]
    next_url = None
    if more:
        next_url = base_url(request) + str(request.rel_url.update_query({"after": str(envs[-1].position)}))
    return json_response({"events": [audit.record(e) for e in envs], "next": next_url})


@routes.get("/admin/entities/{entity}")
async def entity_as_of(request: web.Request) -> web.Response:
    """An entity as it stood at `?as_of=` (a log position or a time; default now)."""
    _admin(request)
    rt = runtime(request)
    at = request.query.get("as_of") or str(rt.projector.position)
    state, version = await audit.as_of(rt.store, request.match_info["entity"], at)
    return json_response({"entity": request.match_info["entity"], "version": version, "as_of": at,
                          "state": msgspec.to_builtins(state)})


@routes.get("/admin/verify")
async def verify(request: web.Request) -> web.Response:
    """Check the hash chain of the whole log."""
    _admin(request)
    rt = runtime(request)
    head, head_hash = await audit.head(rt.store)  # first: the walk below covers it
    breaks = await rt.store.verify()
    return json_response({"ok": not breaks, "head": head, "head_hash": head_hash,
                          "breaks": [{"position": b.position, "problem": b.problem} for b in breaks]})
