"""M2X Charts (/v2/charts): the seed's CRUD, validations, and error bodies."""

from __future__ import annotations

from app.http import CONFIG
from tests.conftest import ADMIN, make_org_key
from tests.m2x_chart_factories import m2x, make_chart, make_device, position

NOT_FOUND = {"message": "Chart Not Found", "description": (
    "The resource you requested could not be found. Please verify that the correct resource path was provided, "
    "or refer to https://m2x.att.com/developer/documentation for complete API documentation.")}
FORBIDDEN = {"message": "Forbidden", "description": (
    "The resource you requested is disabled or not accessible with your API key. Please try again with an API key "
    "authorized for this operation. Learn more about managing API keys at "
    "https://m2x.att.com/developer/documentation/overview#API-Keys")}
INACTIVE = {"message": "Account Not Active", "description": (
    "Your account has not been activated yet. If you need to re-send the activation email, please visit "
    "https://m2x.att.com/activation-required")}


async def test_chart_lifecycle(client):
    key = (await make_org_key(client, "acme"))["key"]
    dev1 = await make_device(client, key, "One", {"temperature": "C", "humidity": "%"})
    dev2 = await make_device(client, key, "Two", {"temperature": "C"})
    r = await client.post("/v2/charts", headers=m2x(key), json={
        "name": "Single-device Chart",
        "series": [{"device": dev1, "stream": "temperature"}, {"device": dev1, "stream": "humidity"}]})
    assert r.status == 201
    chart = await r.json()
    uid = chart["id"]
    assert len(uid) == 32 and int(uid, 16) >= 0
    url = f"{client.server.app[CONFIG].base_url}/v2/charts/{uid}"
    assert url.startswith("http://127.0.0.1:8080/")  # this server, not api-m2x.att.com
    assert chart == {"id": uid, "name": "Single-device Chart",
                     "series": [{"device": dev1, "stream": "temperature"}, {"device": dev1, "stream": "humidity"}],
                     "url": url, "render": {"png": f"{url}.png", "svg": f"{url}.svg"}}
    assert r.headers["Location"] == url
    multi = await make_chart(client, key, [(dev1, "temperature"), (dev2, "temperature")], "Multi-device Chart")

    r = await client.get("/v2/charts", headers=m2x(key))
    assert [c["name"] for c in (await r.json())["charts"]] == ["Single-device Chart", "Multi-device Chart"]
    r = await client.get(f"/v2/charts?device={dev2}", headers=m2x(key))
    assert [c["id"] for c in (await r.json())["charts"]] == [multi["id"]]

    r = await client.get(f"/v2/charts/{uid}")  # public: no key
    assert r.status == 200 and await r.json() == chart

    r = await client.put(f"/v2/charts/{uid}", headers=m2x(key),
                         json={"name": "Renamed", "series": [{"device": dev2, "stream": "temperature"}]})
    assert r.status == 204 and await r.read() == b""
    got = await (await client.get(f"/v2/charts/{uid}")).json()
    assert got["name"] == "Renamed" and got["series"] == [{"device": dev2, "stream": "temperature"}]

    r = await client.delete(f"/v2/charts/{uid}", headers=m2x(key))
    assert r.status == 204
    for method in ("get", "put", "delete"):
        r = await getattr(client, method)(f"/v2/charts/{uid}", headers=m2x(key),
                                          **({"json": {"name": "x", "series": []}} if method == "put" else {}))
        assert r.status == 404 and await r.json() == NOT_FOUND, method
    r = await client.get(f"/v2/charts/{uid}.png")
    assert r.status == 404 and await r.json() == NOT_FOUND


async def test_validation_failures_are_422_and_store_nothing(client):
    key = (await make_org_key(client, "acme"))["key"]
    other = (await make_org_key(client, "other", email="o@example.com"))["key"]
    dev = await make_device(client, key)
    foreign = await make_device(client, other)
    chart = await make_chart(client, key, [(dev, "temperature")])
    await client.put(f"/v2/devices/{dev}/streams/mode", headers=m2x(key), json={"type": "alphanumeric"})
    before = await position(client)
    cases = [
        ({"name": "x", "series": [{"device": dev, "stream": "mode"}]}, {"stream": ["not_numeric"]}),
        ({"name": "x", "series": [{"device": dev, "stream": "temperature"}] * 101}, {"series": ["too_many"]}),
        ({"series": [{"device": dev, "stream": "temperature"}]}, {"name": ["not_present"]}),
        ({"name": "", "series": [{"device": dev, "stream": "temperature"}]}, {"name": ["not_present"]}),
        ({"name": "x"}, {"series": ["not_present"]}),
        ({"name": "x", "series": []}, {"series": ["not_present"]}),
        ({}, {"name": ["not_present"], "series": ["not_present"]}),
        ({"name": "x", "series": [{"device": "0" * 32, "stream": "temperature"}]}, {"device": ["not_found"]}),
        ({"name": "x", "series": [{"device": foreign, "stream": "temperature"}]}, {"device": ["not_found"]}),
        ({"name": "x", "series": [{"device": dev, "stream": "pressure"}]}, {"stream": ["not_found"]}),
        ({"name": "x", "series": [{"stream": "temperature"}]}, {"device": ["not_present"]}),
        ({"name": "x", "series": ["nope"]}, {"series": ["invalid"]}),
    ]
    for body, errors in cases:
        for method, path in (("post", "/v2/charts"), ("put", f"/v2/charts/{chart['id']}")):
            r = await getattr(client, method)(path, headers=m2x(key), json=body)
            assert r.status == 422, (method, body, r.status)
            assert await r.json() == {"message": "Validation Failed", "errors": errors}, (method, body)
    r = await client.post("/v2/charts", headers=m2x(key), data=b"{broken")
    assert r.status == 400
    assert await position(client) == before
    got = await (await client.get(f"/v2/charts/{chart['id']}")).json()
    assert got == chart


async def test_forbidden_and_inactive_account(client):
    acme = await make_org_key(client, "acme")
    other = await make_org_key(client, "other", email="o@example.com")
    dev = await make_device(client, acme["key"])
    chart = await make_chart(client, acme["key"], [(dev, "temperature")])
    path = f"/v2/charts/{chart['id']}"
    before = await position(client)
    r = await client.put(path, headers=m2x(other["key"]), json={"name": "mine", "series": []})
    assert r.status == 403 and await r.json() == FORBIDDEN
    r = await client.delete(path, headers=m2x(other["key"]))
    assert r.status == 403 and await r.json() == FORBIDDEN
    r = await client.get("/v2/charts", headers=m2x(other["key"]))
    assert (await r.json())["charts"] == []
    assert (await client.get("/v2/charts")).status == 401
    assert await position(client) == before

    r = await client.post(f"/admin/orgs/{acme['org']['id']}/disable", headers=ADMIN)
    assert r.status == 200
    for method in ("get", "post"):
        r = await getattr(client, method)("/v2/charts", headers=m2x(acme["key"]),
                                          **({"json": {"name": "x"}} if method == "post" else {}))
        assert r.status == 403 and await r.json() == INACTIVE
    r = await client.put(path, headers=m2x(acme["key"]), json={"name": "x", "series": []})
    assert r.status == 403 and await r.json() == INACTIVE
    r = await client.delete(path, headers=m2x(acme["key"]))
    assert r.status == 403 and await r.json() == INACTIVE
    # the public pages of a disabled account's chart stop answering
    assert (await client.get(path)).status == 404
    assert (await client.get(f"{path}.svg")).status == 404


async def test_device_key_is_forbidden(client):
    acme = await make_org_key(client, "acme")
    r = await client.post("/v2/devices", json={"name": "d", "visibility": "private"}, headers=m2x(acme["key"]))
    created = await r.json()
    dev, device_key = created["id"], created["key"]
    r = await client.put(f"/v2/devices/{dev}/streams/temperature", json={}, headers=m2x(acme["key"]))
    assert r.status == 201
    r = await client.get("/v2/charts", headers=m2x(device_key))
    assert r.status == 403 and await r.json() == FORBIDDEN
    r = await client.post("/v2/charts", headers=m2x(device_key),
                          json={"name": "x", "series": [{"device": dev, "stream": "temperature"}]})
    assert r.status == 403 and await r.json() == FORBIDDEN


def test_real_m2x_client_raw_calls(live_server):
    """m2x 5.5.0 has no charts API: its raw get/post/put/delete reach ours unchanged (the
    session sends X-M2X-KEY on the public render too, which must simply be ignored)."""
    import requests
    from m2x.client import M2XClient

    from tests.conftest import live_org_key
    from tests.m2x_chart_factories import png_size

    c = M2XClient(key=live_org_key(live_server, "acme")["key"], endpoint=live_server.url)
    d = c.create_device(name="boiler", visibility="private")
    d.create_stream("temperature", type="numeric").add_value(21.5)
    chart = c.post("charts", data={"name": "Boiler", "series": [{"device": d.id, "stream": "temperature"}]})
    assert chart["url"] == f"{live_server.url}/v2/charts/{chart['id']}"
    assert [x["id"] for x in c.get("charts", params={"device": d.id})["charts"]] == [chart["id"]]
    assert c.get(f"charts/{chart['id']}")["name"] == "Boiler"
    png = c.get(f"charts/{chart['id']}.png", params={"width": 300, "height": 200})
    assert png.headers["Content-Type"] == "image/png" and png_size(png.content) == (300, 200)
    assert c.put(f"charts/{chart['id']}", data={"name": "Kettle", "series": chart["series"]}) is None
    assert c.delete(f"charts/{chart['id']}") is None
    try:
        c.get(f"charts/{chart['id']}")
    except requests.exceptions.HTTPError as err:
        assert err.response.status_code == 404
    else:
        raise AssertionError("a deleted chart was found")
