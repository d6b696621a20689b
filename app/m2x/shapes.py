"""The JSON objects of the M2X dialect: devices, streams, values, keys."""

from __future__ import annotations

from typing import Any

from app.times import iso, iso_us
from projections.accounts import ApiKey
from projections.devices import Device, Stream
from projections.series import Series


def device_url(base: str, device_id: str) -> str:
    return f"{base}/v2/devices/{device_id}"


def device_json(base: str, d: Device) -> dict[str, Any]:
    url = device_url(base, d.id)
    return {
        "id": d.id, "name": d.name, "description": d.description, "visibility": d.visibility, "status": "enabled",
        "serial": d.serial, "tags": list(d.tags), "location": {}, "metadata": {}, "url": url,
        "created": iso_us(d.created_at), "updated": iso_us(d.updated_at), "last_activity": iso_us(d.last_activity),
        "streams": {"count": len(d.streams), "url": f"{url}/streams"},
        "triggers": {"count": 0, "url": f"{url}/triggers"},
    }


def stream_json(base: str, d: Device, s: Stream, series: Series) -> dict[str, Any]:
    latest: tuple[float, Any] | None
    if s.type == "alphanumeric":
        latest = series.latest_text(d.org_id, d.id, s.name)
    else:
        latest = series.latest(d.org_id, d.id, s.name)
    return {
        "name": s.name, "display_name": s.display_name,
        "value": latest[1] if latest else None, "latest_value_at": iso(latest[0]) if latest else None,
        "type": s.type, "unit": {"label": s.unit_label, "symbol": s.unit_symbol},
        "url": f"{device_url(base, d.id)}/streams/{s.name}",
        "created": iso_us(s.created_at), "updated": iso_us(s.updated_at),
    }


PERMISSIONS = {"GET": ("data:read", "charts:read"), "POST": ("data:write", "charts:write"),
               "PUT": ("data:write", "charts:write"), "DELETE": ("data:write", "charts:write")}


def permissions(k: ApiKey) -> list[str]:
    if k.methods:
        return [m for m in PERMISSIONS if m in k.methods]
    return [m for m, scopes in PERMISSIONS.items() if "*" in k.scopes or scopes[0] in k.scopes]


def key_json(base: str, k: ApiKey, raw: str | None) -> dict[str, Any]:
    """``key`` is shown in clear only when the caller holds it (creation, regeneration, or a
    lookup by the key itself); Broadsheet stores hashes. ``id`` is what addresses the key in
    ``/v2/keys/{id}``: the raw key when known, else the key's number."""
    return {
        "id": raw or str(k.id), "key": raw or ("*" * 28 + k.hint), "name": k.name, "master": k.master,
        "device": device_url(base, k.device) if k.device else None, "stream": k.stream,
        "expires_at": None, "expired": False, "origin": None, "device_access": "private",
        "permissions": permissions(k), "created": iso_us(k.created_at),
    }
