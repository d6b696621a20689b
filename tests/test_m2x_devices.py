"""M2X devices and streams over HTTP."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, make_org_key


def m2x(key: str) -> dict[str, str]:
    return {"X-M2X-KEY": key}


async def new_device(client: Any, key: str, **body: Any) -> dict[str, Any]:
    r = await client.post("/v2/devices", json={"name": "dev", "visibility": "private", **body}, headers=m2x(key))
    assert r.status == 201, await r.text()
    return await r.json()


async def test_create_get_update_delete_device(client):
    o = await make_org_key(client, "acme")
    r = await client.post("/v2/devices", json={"name": "boiler", "description": "basement", "visibility": "public",
                                               "serial": "SN-1", "tags": "heat,home"}, headers=m2x(o["key"]))
    assert r.status == 201
    d = await r.json()
    assert len(d["id"]) == 32 and int(d["id"], 16) >= 0
    assert r.headers["Location"] == d["url"] and d["url"].endswith(f"/v2/devices/{d['id']}")
    assert d["tags"] == ["heat", "home"] and d["serial"] == "SN-1" and d["status"] == "enabled"
    assert len(d["key"]) == 32  # the Primary Device Key, shown once
    assert d["streams"] == {"count": 0, "url": d["url"] + "/streams"}

    r = await client.get(f"/v2/devices/{d['id']}", headers=m2x(o["key"]))
    assert r.status == 200 and (await r.json())["name"] == "boiler"
    r = await client.get("/v2/devices/serial/SN-1", headers=m2x(o["key"]))
    assert r.status == 200 and (await r.json())["id"] == d["id"]

    r = await client.put(f"/v2/devices/{d['id']}", json={"name": "kettle", "tags": ["x"]}, headers=m2x(o["key"]))
    assert r.status == 204
    got = await (await client.get("/v2/devices/serial/SN-1", headers=m2x(o["key"]))).json()
    assert got["name"] == "kettle" and got["tags"] == ["x"] and got["description"] == "basement"

    # the device key works on its device, but may not delete it
    r = await client.get(f"/v2/devices/{d['id']}", headers=m2x(d["key"]))
    assert r.status == 200
    r = await client.delete(f"/v2/devices/{d['id']}", headers=m2x(d["key"]))
    assert r.status == 403 and (await r.json())["message"] == "Forbidden"

    r = await client.delete(f"/v2/devices/{d['id']}", headers=m2x(o["key"]))
    assert r.status == 204
    r = await client.get(f"/v2/devices/{d['id']}", headers=m2x(o["key"]))
    assert r.status == 404 and (await r.json())["message"] == "Device Not Found"
    r = await client.get(f"/v2/devices/{d['id']}", headers=m2x(d["key"]))
    assert r.status == 401  # its keys went with it


async def test_list_pages_and_clamps(client):
    o = await make_org_key(client, "acme")
    for i in range(5):
        await new_device(client, o["key"], name=f"d{i}", tags=["even"] if i % 2 == 0 else [])
    r = await client.get("/v2/devices?limit=2&page=2&sort=name&dir=asc", headers=m2x(o["key"]))
    body = await r.json()
    assert [d["name"] for d in body["devices"]] == ["d2", "d3"]
    assert (body["total"], body["pages"], body["current_page"], body["limit"]) == (5, 3, 2, 2)
    r = await client.get("/v2/devices?limit=500", headers=m2x(o["key"]))
    assert (await r.json())["limit"] == 100
    r = await client.get("/v2/devices?tags=even", headers=m2x(o["key"]))
    assert sorted(d["name"] for d in (await r.json())["devices"]) == ["d0", "d2", "d4"]
    other = await make_org_key(client, "globex", email="g@example.com")
    r = await client.get("/v2/devices", headers=m2x(other["key"]))
    assert (await r.json())["total"] == 0


async def test_streams_create_update_list_get_delete(client):
    o = await make_org_key(client, "acme")
    d = await new_device(client, o["key"])
    base = f"/v2/devices/{d['id']}/streams"
    r = await client.put(f"{base}/temperature", json={"unit": {"label": "Celsius", "symbol": "C"}}, headers=m2x(o["key"]))
    assert r.status == 201
    s = await r.json()
    assert s["name"] == "temperature" and s["type"] == "numeric" and s["value"] is None
    assert s["unit"] == {"label": "Celsius", "symbol": "C"}
    r = await client.put(f"{base}/temperature", json={"display_name": "Temp"}, headers=m2x(o["key"]))
    assert r.status == 200
    s = await r.json()
    assert s["display_name"] == "Temp" and s["unit"]["symbol"] == "C"  # left-out fields are kept
    await client.put(f"{base}/state", json={"type": "alphanumeric"}, headers=m2x(o["key"]))
    r = await client.put(f"{base}/temperature/value", json={"value": 21.5, "timestamp": "2024-05-01T10:00:00Z"},
                         headers=m2x(o["key"]))
    assert r.status == 202 and await r.json() == {"status": "accepted"}
    r = await client.get(f"{base}/temperature", headers=m2x(o["key"]))
    s = await r.json()
    assert s["value"] == 21.5 and s["latest_value_at"] == "2024-05-01T10:00:00.000Z"
    r = await client.get(base, headers=m2x(o["key"]))
    assert [x["name"] for x in (await r.json())["streams"]] == ["state", "temperature"]
    dev = await (await client.get(f"/v2/devices/{d['id']}", headers=m2x(o["key"]))).json()
    assert dev["streams"]["count"] == 2
    r = await client.delete(f"{base}/temperature", headers=m2x(o["key"]))
    assert r.status == 204
    r = await client.get(f"{base}/temperature", headers=m2x(o["key"]))
    assert r.status == 404 and (await r.json())["message"] == "Stream Not Found"
    # re-created, it starts empty
    await client.put(f"{base}/temperature", headers=m2x(o["key"]))
    assert (await (await client.get(f"{base}/temperature", headers=m2x(o["key"]))).json())["value"] is None


async def test_stream_type_cannot_change_once_it_holds_values(client):
    o = await make_org_key(client, "acme")
    d = await new_device(client, o["key"])
    base = f"/v2/devices/{d['id']}/streams/t"
    await client.put(base + "/value", json={"value": 1}, headers=m2x(o["key"]))
    r = await client.put(base, json={"type": "alphanumeric"}, headers=m2x(o["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"type": ["invalid"]}


async def test_other_accounts_device_is_forbidden_and_disabled_account_inactive(client):
    o = await make_org_key(client, "acme")
    other = await make_org_key(client, "globex", email="g@example.com")
    d = await new_device(client, o["key"])
    r = await client.get(f"/v2/devices/{d['id']}", headers=m2x(other["key"]))
    assert r.status == 403 and (await r.json())["message"] == "Forbidden"
    r = await client.post(f"/v2/devices/{d['id']}/streams/t/values",
                          json={"values": [{"timestamp": "2024-01-01T00:00:00Z", "value": 1}]}, headers=m2x(other["key"]))
    assert r.status == 403
    await client.post(f"/admin/orgs/{o['org']['id']}/disable", headers=ADMIN)
    r = await client.get("/v2/devices", headers=m2x(o["key"]))
    assert r.status == 403 and (await r.json())["message"] == "Account Not Active"


async def test_serial_taken_is_a_validation_failure(client):
    o = await make_org_key(client, "acme")
    await new_device(client, o["key"], serial="S1")
    r = await client.post("/v2/devices", json={"name": "x", "serial": "S1"}, headers=m2x(o["key"]))
    assert r.status == 422 and (await r.json()) == {"message": "Validation Failed", "errors": {"serial": ["taken"]}}
    other = await make_org_key(client, "globex", email="g@example.com")
    await new_device(client, other["key"], serial="S1")  # serials are per account
