"""Who may touch what in the M2X dialect.

- Master keys work account-wide; device management, device listing and the Keys API need one.
- A device key works only on its device, and only on its stream when it names one (403 elsewhere).
- Another organization's device answers 403 Forbidden (M2X's "different account" answer);
  an unknown device 404 "Device Not Found".
"""

from __future__ import annotations

from aiohttp import web

from app import auth
from app.devices import devices_view
from app.http import runtime
from app.m2x.errors import forbidden, not_found
from projections.devices import Device


def principal(request: web.Request, scope: str) -> auth.Principal:
    """The key's principal, held to the HTTP methods its M2X ``permissions`` allow."""
    p = auth.m2x(request, scope)
    method = "GET" if request.method == "HEAD" else request.method
    if p.key.methods and method not in p.key.methods:
        raise forbidden(f"this key's permissions do not include {method}")
    return p


def _need_master(p: auth.Principal) -> None:
    if not p.key.master:
        raise forbidden("this operation needs a master key")


def master(request: web.Request, scope: str) -> auth.Principal:
    p = principal(request, scope)
    _need_master(p)
    return p


def device(request: web.Request, scope: str, stream: str | None = None) -> tuple[auth.Principal, Device]:
    """The principal and the device of the path (``{id}`` or ``serial/{serial}``)."""
    p = principal(request, scope)
    ref = request.match_info["device"]
    view = devices_view(runtime(request))
    if ref.startswith("serial/"):
        found = view.by_serial_number(p.org_id, ref[len("serial/"):])
    else:
        found = view.device(ref)
    if found is None:
        raise not_found("Device")
    if found.org_id != p.org_id:
        raise forbidden("the device belongs to another account")
    if not p.key.master:
        if p.key.device != found.id:
            raise forbidden("this device key is for another device")
        if stream is not None:
            allow_stream(p, stream)
    return p, found


def may_use_stream(p: auth.Principal, stream: str) -> bool:
    """A master key, or a device key not limited to another stream."""
    return p.key.master or not p.key.stream or p.key.stream == stream


def allow_stream(p: auth.Principal, stream: str) -> None:
    if not may_use_stream(p, stream):
        raise forbidden("this device key is for another stream")


def master_device(request: web.Request, scope: str) -> tuple[auth.Principal, Device]:
    p, found = device(request, scope)
    _need_master(p)
    return p, found
