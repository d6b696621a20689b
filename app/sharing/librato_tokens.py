"""Librato chart tokens (``/v1/charts``): the seed ``librato-chart-tokens.md``, wire.md §3.2,
§3.3 and §3.7. A token is a share (``projections/shares.py``).

An ``instrument`` token shares a chart (any chart of the organization: instruments, space
charts and M2X charts are all charts), a ``dashboard`` token a dashboard (spaces and legacy
dashboards). Errors are the Librato dialect's, since these paths are under ``/v1``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import auth
from app.charts.commands import charts_view, dashboards_view
from app.errors import NotFound
from app.http import CONFIG, json_response, request_id, runtime
from app.librato.pagination import paginate
from app.runtime import Runtime
from app.sharing import commands
from app.sharing.librato_params import Errors, as_int, params, refuse
from app.sharing.routing import routes
from projections.shares import Share

ENTITY_TYPES = {"instrument": "chart", "dashboard": "dashboard"}
ENTITY_OF = {v: k for k, v in ENTITY_TYPES.items()}
PAGE_OF = {"chart": "instruments", "dashboard": "dashboards"}


def _base(request: web.Request) -> str:
    return request.app[CONFIG].base_url


# -- chart tokens ----------------------------------------------------------------------------

def token_json(s: Share, base: str) -> dict[str, Any]:
    """The seed's three properties, and ``url``: the public page the token opens."""
    return {"token": s.token, "entity_id": s.target_id, "entity_type": ENTITY_OF[s.target_kind],
            "url": f"{base}/share/{PAGE_OF[s.target_kind]}/{s.token}"}


def _mine(rt: Runtime, org_id: int) -> list[Share]:
    return [s for s in commands.shares_view(rt).list(org_id, "librato") if commands.target(rt, s) is not None]


def _token(request: web.Request, p: auth.Principal) -> Share:
    token = request.match_info["token"]
    rt = runtime(request)
    s = commands.shares_view(rt).get(token)
    if s is None or s.org_id != p.org_id or s.dialect != "librato" or commands.target(rt, s) is None:
        raise NotFound(f"chart token {token!r} not found")
    return s


def _entity(rt: Runtime, org_id: int, body: dict[str, Any]) -> tuple[str, int]:
    errors: Errors = {}
    raw_type, raw_id = body.get("entity_type"), body.get("entity_id")
    kind = ENTITY_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if raw_type in (None, ""):
        errors["entity_type"] = ["is not present"]
    elif kind is None:
        errors["entity_type"] = ["is not included in the list (instrument, dashboard)"]
    entity_id = as_int(raw_id)
    if raw_id in (None, ""):
        errors["entity_id"] = ["is not present"]
    elif entity_id is None:
        errors["entity_id"] = ["is not a number"]
    elif kind == "chart" and charts_view(rt).get(org_id, entity_id) is None:
        errors["entity_id"] = [f"instrument {entity_id} does not exist"]
    elif kind == "dashboard" and dashboards_view(rt).get(org_id, entity_id) is None:
        errors["entity_id"] = [f"dashboard {entity_id} does not exist"]
    refuse(errors)
    return kind, entity_id  # type: ignore[return-value]


@routes.post("/v1/charts")
async def create_token(request: web.Request) -> web.Response:
    """Create a chart token: `entity_type` (instrument|dashboard) and `entity_id` (form or JSON)."""
    p = auth.librato(request, "sharing_configuration:write")
    body = await params(request)
    rt = runtime(request)
    kind, entity_id = _entity(rt, p.org_id, body)
    s = await commands.create_share(rt, p.org_id, dialect="librato", target_kind=kind, target_id=entity_id,
                                    actor=p.actor, request_id=request_id(request))
    return json_response(token_json(s, _base(request)), status=201, headers={"Location": f"/v1/charts/{s.token}"})


@routes.get("/v1/charts")
async def list_tokens(request: web.Request) -> web.Response:
    """List chart tokens (paginated, `orderby=token` only; `token` filters by substring, any case)."""
    p = auth.librato(request, "sharing_configuration:read")
    mine = _mine(runtime(request), p.org_id)
    needle = request.query.get("token", "").strip().lower()
    found = [s for s in mine if needle in s.token]
    base = _base(request)
    return paginate(request, "charts", found, total=len(mine), render=lambda s: token_json(s, base),
                    orderby={"token": lambda s: s.token})


@routes.get("/v1/charts/{token}")
async def get_token(request: web.Request) -> web.Response:
    """Get one chart token."""
    p = auth.librato(request, "sharing_configuration:read")
    return json_response(token_json(_token(request, p), _base(request)))


@routes.delete("/v1/charts/{token}")
async def delete_token(request: web.Request) -> web.Response:
    """Delete a chart token: public access through it ends at once; the entity stays."""
    p = auth.librato(request, "sharing_configuration:write")
    await commands.revoke_share(runtime(request), _token(request, p), actor=p.actor, request_id=request_id(request))
    return web.Response(status=204)


