"""Librato instruments over HTTP (wire.md §3.6)."""

from __future__ import annotations

import base64

from tests.conftest import make_org_key


async def _librato(client, name="acme", **kw):
    made = await make_org_key(client, name, **kw)
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _position(client):
    return (await (await client.get("/healthz")).json())["position"]


STREAMS = [{"metric": "cpu", "source": "web-*", "group_function": "sum", "summary_function": "max",
            "color": "#ff0000", "units_short": "%"},
           {"metric": "mem"}]


async def test_instrument_lifecycle(client):
    auth = await _librato(client)
    r = await client.post("/v1/instruments", headers=auth, json={
        "name": "Server Temperature", "streams": STREAMS, "attributes": {"display_integral": True}})
    assert r.status == 201, await r.text()
    inst = await r.json()
    assert r.headers["Location"] == f"/v1/instruments/{inst['id']}"
    assert isinstance(inst["id"], int) and inst["name"] == "Server Temperature"
    assert inst["attributes"] == {"display_integral": True}
    s0, s1 = inst["streams"]
    assert (s0["metric"], s0["source"], s0["group_function"], s0["summary_function"], s0["color"], s0["type"]) == (
        "cpu", "web-*", "sum", "max", "#ff0000", "gauge")
    assert (s1["metric"], s1["source"], s1["group_function"], s1["summary_function"]) == (
        "mem", "*", "average", "average")

    r = await client.get(f"/v1/instruments/{inst['id']}", headers=auth)
    assert (await r.json())["streams"] == inst["streams"]

    # PUT replaces the streams wholesale; an echoed stream id keeps the color the client never re-sends
    echoed = {k: v for k, v in s0.items() if k != "color"}
    r = await client.put(f"/v1/instruments/{inst['id']}", headers=auth,
                         json={"name": "Temp", "streams": [echoed], "attributes": {"display_stacked": True}})
    assert r.status == 204
    got = await (await client.get(f"/v1/instruments/{inst['id']}", headers=auth)).json()
    assert got["name"] == "Temp" and len(got["streams"]) == 1 and got["streams"][0]["color"] == "#ff0000"
    assert got["attributes"] == {"display_stacked": True}

    r = await client.delete(f"/v1/instruments/{inst['id']}", headers=auth)
    assert r.status == 204
    r = await client.get(f"/v1/instruments/{inst['id']}", headers=auth)
    assert r.status == 404 and "errors" in await r.json()


async def test_list_is_paginated_and_ordered_by_updated_at(client):
    auth = await _librato(client)
    ids = []
    for name in ("a", "b", "c"):
        r = await client.post("/v1/instruments", headers=auth, json={"name": name, "streams": [{"metric": "m"}]})
        ids.append((await r.json())["id"])
    await client.put(f"/v1/instruments/{ids[0]}", headers=auth, json={"name": "a2"})
    r = await client.get("/v1/instruments?orderby=updated_at&length=2", headers=auth)
    page = await r.json()
    assert page["query"] == {"found": 3, "length": 2, "offset": 0, "total": 3}
    assert [i["id"] for i in page["instruments"]] == [ids[1], ids[2]]
    r = await client.get("/v1/instruments?orderby=updated_at&length=2&offset=2", headers=auth)
    assert [i["name"] for i in (await r.json())["instruments"]] == ["a2"]
    r = await client.get("/v1/instruments?orderby=updated_at&sort=desc&length=1", headers=auth)
    assert [i["name"] for i in (await r.json())["instruments"]] == ["a2"]


async def test_form_encoded_instrument(client):
    auth = await _librato(client)
    r = await client.post("/v1/instruments", headers=auth, data={
        "name": "form", "streams[0][metric]": "cpu", "streams[0][source]": "*", "streams[1][metric]": "mem",
        "streams[1][period]": "60"})
    assert r.status == 201, await r.text()
    inst = await r.json()
    assert [s["metric"] for s in inst["streams"]] == ["cpu", "mem"] and inst["streams"][1]["period"] == 60


async def test_other_org_cannot_see_instruments(client):
    auth = await _librato(client)
    other = await _librato(client, "other", email="x@example.com")
    r = await client.post("/v1/instruments", headers=auth, json={"name": "mine"})
    inst = await r.json()
    assert (await client.get(f"/v1/instruments/{inst['id']}", headers=other)).status == 404
    assert (await client.delete(f"/v1/instruments/{inst['id']}", headers=other)).status == 404
    assert (await (await client.get("/v1/instruments", headers=other)).json())["instruments"] == []


async def test_bad_instruments_are_refused_and_nothing_stored(client):
    auth = await _librato(client)
    r = await client.post("/v1/instruments", headers=auth, json={"name": "ok", "streams": [{"metric": "m"}]})
    inst_id = (await r.json())["id"]
    before = await _position(client)
    bad = [
        {"streams": [{"metric": "m"}]},  # no name
        {"name": ""},
        {"name": "x", "streams": [{"source": "*"}]},  # no metric
        {"name": "x", "streams": [{"metric": "m", "group_function": "median"}]},
        {"name": "x", "streams": [{"metric": "m", "summary_function": "p99"}]},
        {"name": "x", "streams": [{"metric": "m", "color": "red"}]},
        {"name": "x", "streams": [{"composite": "s(\"a\",\"*\")", "metric": "m"}]},
        {"name": "x", "streams": [{"metric": "m", "period": "soon"}]},
        {"name": "x", "streams": "cpu"},
        {"name": "x", "streams": [{"metric": "bad name with spaces"}]},
        {"name": "x", "attributes": [1, 2]},
        {"name": "x", "attributes": {"a": {"nested": 1}}},
    ]
    for body in bad:
        r = await client.post("/v1/instruments", headers=auth, json=body)
        assert r.status == 400, (body, r.status, await r.text())
        assert "params" in (await r.json())["errors"], body
        if "name" in body:  # a PUT without a name keeps the old one, so only these are bad there
            r = await client.put(f"/v1/instruments/{inst_id}", headers=auth, json=body)
            assert r.status == 400, (body, r.status)
    r = await client.post("/v1/instruments", data=b"{not json",
                          headers={**auth, "Content-Type": "application/json"})
    assert r.status == 400
    assert (await client.get("/v1/instruments?orderby=color", headers=auth)).status == 400
    assert (await client.get("/v1/instruments?length=500", headers=auth)).status == 400
    assert (await client.get("/v1/instruments/abc", headers=auth)).status == 404
    assert (await client.get("/v1/instruments")).status == 401
    assert await _position(client) == before
