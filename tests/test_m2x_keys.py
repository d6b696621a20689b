"""M2X keys, status and time over HTTP, and the dialect's error shapes."""

from __future__ import annotations

from tests.conftest import make_org_key
from tests.test_m2x_devices import m2x, new_device


async def test_master_key_lifecycle(client):
    o = await make_org_key(client, "acme")
    r = await client.post("/v2/keys", json={"name": "ci", "permissions": ["GET"]}, headers=m2x(o["key"]))
    assert r.status == 201
    k = await r.json()
    assert len(k["key"]) == 32 and k["id"] == k["key"] and k["master"] is True and k["permissions"] == ["GET"]
    assert r.headers["Location"].endswith(f"/v2/keys/{k['key']}")
    # read-only master key: reads work, writes are forbidden
    assert (await client.get("/v2/devices", headers=m2x(k["key"]))).status == 200
    assert (await client.post("/v2/devices", json={"name": "x"}, headers=m2x(k["key"]))).status == 403

    r = await client.get(f"/v2/keys/{k['key']}", headers=m2x(o["key"]))
    assert r.status == 200 and (await r.json())["key"] == k["key"]
    listing = (await (await client.get("/v2/keys", headers=m2x(o["key"]))).json())["keys"]
    mine = next(x for x in listing if x["name"] == "ci")
    assert mine["key"].endswith(k["key"][-4:]) and k["key"] not in mine["key"]  # secrets are not listed
    assert (await client.get(f"/v2/keys/{mine['id']}", headers=m2x(o["key"]))).status == 200

    r = await client.post(f"/v2/keys/{k['key']}/regenerate", headers=m2x(o["key"]))
    assert r.status == 200
    new = await r.json()
    assert new["key"] != k["key"] and new["id"] == new["key"]
    assert (await client.get("/v2/devices", headers=m2x(k["key"]))).status == 401
    assert (await client.get("/v2/devices", headers=m2x(new["key"]))).status == 200

    r = await client.delete(f"/v2/keys/{new['key']}", headers=m2x(o["key"]))
    assert r.status == 204
    assert (await client.get("/v2/devices", headers=m2x(new["key"]))).status == 401
    r = await client.get(f"/v2/keys/{new['key']}", headers=m2x(o["key"]))
    assert r.status == 404 and (await r.json())["message"] == "Key Not Found"


async def test_device_keys_and_primary_keys(client):
    o = await make_org_key(client, "acme")
    d = await new_device(client, o["key"])
    r = await client.get(f"/v2/keys?device={d['id']}", headers=m2x(o["key"]))
    keys = (await r.json())["keys"]
    assert len(keys) == 1 and keys[0]["master"] is False and keys[0]["device"].endswith(d["id"])
    # primary keys: regenerate yes, delete no
    r = await client.delete(f"/v2/keys/{d['key']}", headers=m2x(o["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"key": ["primary"]}
    r = await client.delete(f"/v2/keys/{o['key']}", headers=m2x(o["key"]))
    assert r.status == 422
    # device keys may not manage keys
    r = await client.get("/v2/keys", headers=m2x(d["key"]))
    assert r.status == 403 and (await r.json())["message"] == "Forbidden"
    # a device key for another account's device is refused, naming the field
    other = await make_org_key(client, "globex", email="g@example.com")
    r = await client.post("/v2/keys", json={"device": d["id"]}, headers=m2x(other["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"device": ["not_found"]}
    r = await client.get(f"/v2/keys/{d['key']}", headers=m2x(other["key"]))
    assert r.status == 404
    r = await client.post("/v2/keys", json={"permissions": ["PATCH"]}, headers=m2x(o["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"permissions": ["invalid"]}


async def test_status_and_time(client):
    assert await (await client.get("/v2/status")).json() == {"api": "OK", "triggers": "OK"}
    t = await (await client.get("/v2/time")).json()
    assert set(t) == {"seconds", "millis", "iso8601"}
    seconds = int(await (await client.get("/v2/time/seconds")).text())
    millis = int(await (await client.get("/v2/time/millis")).text())
    assert abs(millis / 1000 - seconds) < 5
    r = await client.get("/v2/time/iso8601")
    text = await r.text()
    assert r.content_type == "text/plain" and text.endswith("Z") and not text.startswith('"')


async def test_error_shapes(client):
    o = await make_org_key(client, "acme")
    r = await client.get("/v2/devices/" + "f" * 32, headers=m2x(o["key"]))
    body = await r.json()
    assert r.status == 404 and body["message"] == "Device Not Found" and "could not be found" in body["description"]
    r = await client.get("/v2/nowhere", headers=m2x(o["key"]))
    assert r.status == 404 and set(await r.json()) == {"message", "description"}
    r = await client.get("/v2/devices")
    assert r.status == 401 and set(await r.json()) == {"message", "description"}
    r = await client.patch("/v2/devices", headers=m2x(o["key"]))
    assert r.status == 405 and set(await r.json()) == {"message", "description"}
    r = await client.post("/v2/devices", json={"visibility": "private"}, headers=m2x(o["key"]))
    assert r.status == 422 and await r.json() == {"message": "Validation Failed", "errors": {"name": ["not_present"]}}
    r = await client.post("/v2/devices", json={"name": "x", "visibility": "secret"}, headers=m2x(o["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"visibility": ["invalid"]}


async def test_permissions_are_echoed_and_enforced_per_method(client):
    o = await make_org_key(client, "acme")
    d = await new_device(client, o["key"])
    r = await client.post("/v2/keys", json={"name": "sensor", "device": d["id"], "permissions": ["GET", "PUT"]},
                          headers=m2x(o["key"]))
    k = await r.json()
    assert r.status == 201 and k["permissions"] == ["GET", "PUT"]
    values = f"/v2/devices/{d['id']}/streams/temp/value"
    assert (await client.put(values, json={"value": 1}, headers=m2x(k["key"]))).status == 202
    assert (await client.get(f"/v2/devices/{d['id']}/streams/temp", headers=m2x(k["key"]))).status == 200
    r = await client.post(f"/v2/devices/{d['id']}/streams/temp/values",
                          json={"values": [{"timestamp": "2026-01-01T00:00:00Z", "value": 2}]}, headers=m2x(k["key"]))
    assert r.status == 403 and (await r.json())["message"] == "Forbidden"
    r = await client.delete(f"/v2/devices/{d['id']}/streams/temp", headers=m2x(k["key"]))
    assert r.status == 403
    listing = (await (await client.get(f"/v2/keys?device={d['id']}", headers=m2x(o["key"]))).json())["keys"]
    assert next(x for x in listing if x["name"] == "sensor")["permissions"] == ["GET", "PUT"]


async def test_a_key_cannot_mint_a_key_with_more_than_it_holds(client):
    o = await make_org_key(client, "acme", scopes=["data:read", "data:write"])  # no charts scopes
    r = await client.post("/v2/keys", json={"name": "wider"}, headers=m2x(o["key"]))
    assert r.status == 201
    wider = (await r.json())["key"]
    r = await client.post("/v2/charts", json={"name": "c", "series": []}, headers=m2x(wider))
    assert r.status == 403  # charts:write was not the minting key's to give


async def test_a_primary_device_key_holds_no_more_than_the_key_that_made_it(client):
    """A key that may write data but not read it made a device; the device's Primary Device Key
    used to hold data:read all the same."""
    o = await make_org_key(client, "acme", scopes=["data:write", "charts:read"])
    r = await client.post("/v2/devices", json={"name": "d"}, headers=m2x(o["key"]))
    assert r.status == 201
    d = await r.json()
    stream = f"/v2/devices/{d['id']}/streams/temp"
    assert (await client.put(f"{stream}/value", json={"value": 1}, headers=m2x(d["key"]))).status == 202
    assert (await client.get(f"{stream}/values", headers=m2x(d["key"]))).status == 403
    assert (await client.get(f"{stream}/values", headers=m2x(o["key"]))).status == 403
    full = await make_org_key(client, "beta")
    d = await (await client.post("/v2/devices", json={"name": "d"}, headers=m2x(full["key"]))).json()
    assert (await client.get(f"/v2/devices/{d['id']}/streams", headers=m2x(d["key"]))).status == 200
