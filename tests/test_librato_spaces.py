"""Librato spaces and their charts: over HTTP, and with the real librato-metrics 3.1.0 client."""

from __future__ import annotations

import base64

import librato
import pytest

from tests.conftest import live_org_key, make_org_key


async def _librato(client, name="acme", **kw):
    made = await make_org_key(client, name, **kw)
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _position(client):
    return (await (await client.get("/healthz")).json())["position"]


# librato-metrics raises on a 4xx without closing its http.client connection; the socket it
# leaks is the client's, not ours.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_librato_3_1_0_spaces_and_charts(live_server):
    made = live_org_key(live_server, "acme")
    api = librato.connect(made["email"], made["key"], hostname=live_server.url.split("//")[1], protocol="http")
    space = api.create_space("Ops Space", tags=False)
    assert isinstance(space.id, int) and space.name == "Ops Space"
    assert api.get_space(space.id).name == "Ops Space"
    other = librato.Space(api, "Second")
    other.save()
    assert {s.name for s in api.list_spaces()} == {"Ops Space", "Second"}
    assert api.find_space("ops space").id == space.id
    assert api.find_space("nothing like it") is None

    chart = api.create_chart("CPU", space, streams=[{"metric": "cpu", "source": "web-*", "group_function": "sum"}])
    assert isinstance(chart.id, int) and chart.name == "CPU" and chart.streams[0].metric == "cpu"
    big = space.add_bignumber_chart("Load", "load", source="db1", summary_function="max")
    stacked = space.add_stacked_chart("Mem", "mem")
    charts = api.list_charts_in_space(space)
    assert [(c.name, c.type) for c in charts] == [("CPU", "line"), ("Load", "bignumber"), ("Mem", "stacked")]
    assert api.get_space(space.id).chart_ids == [chart.id, big.id, stacked.id]

    got = api.get_chart(chart.id, space.id)
    assert (got.name, got.streams[0].source, got.streams[0].group_function) == ("CPU", "web-*", "sum")
    got.name = "CPU total"
    api.update_chart(got, space, min=0, max=100, label="%")
    again = api.get_chart(chart.id, space)
    assert again.name == "CPU total" and (again.min, again.max, again.label) == (0, 100, "%")
    assert again.streams[0].metric == "cpu"  # the round trip kept the streams

    api.update_space(space, name="Ops renamed")
    assert api.get_space(space.id).name == "Ops renamed"

    api.delete_chart(big.id, space.id)
    assert [c.name for c in api.list_charts_in_space(space)] == ["CPU total", "Mem"]
    with pytest.raises(librato.exceptions.NotFound):
        api.get_chart(big.id, space.id)
    with pytest.raises(librato.exceptions.BadRequest):
        api.create_chart("bad", space, type="pie", streams=[{"metric": "cpu"}])

    api.delete_space(space.id)
    with pytest.raises(librato.exceptions.NotFound):
        api.get_space(space.id)
    with pytest.raises(librato.exceptions.NotFound):
        api.get_chart(chart.id, space.id)
    assert [s.name for s in api.list_spaces()] == ["Second"]


async def test_space_listing_pages_and_filters(client):
    auth = await _librato(client)
    for name in ("alpha", "beta", "alphabet"):
        r = await client.post("/v1/spaces", headers=auth, json={"name": name})
        assert r.status == 201 and r.headers["Location"].startswith("/v1/spaces/")
    r = await client.get("/v1/spaces?name=ALPHA", headers=auth)
    page = await r.json()
    assert [s["name"] for s in page["spaces"]] == ["alpha", "alphabet"]
    assert page["query"] == {"found": 2, "length": 2, "offset": 0, "total": 3}
    r = await client.get("/v1/spaces?length=1&offset=1", headers=auth)
    assert [s["name"] for s in (await r.json())["spaces"]] == ["beta"]


async def test_space_chart_ids_belong_to_their_space_and_org(client):
    auth = await _librato(client)
    other = await _librato(client, "other", email="o@example.com")
    a = await (await client.post("/v1/spaces", headers=auth, json={"name": "a"})).json()
    b = await (await client.post("/v1/spaces", headers=auth, json={"name": "b"})).json()
    r = await client.post(f"/v1/spaces/{a['id']}/charts", headers=auth,
                          json={"name": "c", "streams": [{"metric": "cpu"}]})
    assert r.status == 201
    c = await r.json()
    assert r.headers["Location"] == f"/v1/spaces/{a['id']}/charts/{c['id']}"
    assert (await client.get(f"/v1/spaces/{b['id']}/charts/{c['id']}", headers=auth)).status == 404
    assert (await client.get(f"/v1/spaces/{a['id']}/charts/{c['id']}", headers=other)).status == 404
    assert (await client.get(f"/v1/spaces/{a['id']}", headers=other)).status == 404
    assert (await client.delete(f"/v1/spaces/{a['id']}", headers=other)).status == 404


async def test_bad_space_and_chart_input_is_refused_and_nothing_stored(client):
    auth = await _librato(client)
    space = await (await client.post("/v1/spaces", headers=auth, json={"name": "s"})).json()
    before = await _position(client)
    for body in ({}, {"name": ""}, {"name": 5}):
        r = await client.post("/v1/spaces", headers=auth, json=body)
        assert r.status == 400 and "params" in (await r.json())["errors"], body
    charts = f"/v1/spaces/{space['id']}/charts"
    for body in ({"streams": [{"metric": "m"}]}, {"name": "x", "type": "pie"},
                 {"name": "x", "streams": [{"metric": "m", "summary_function": "median"}]},
                 {"name": "x", "min": "low"}, {"name": "x", "streams": {"a": 1}}):
        r = await client.post(charts, headers=auth, json=body)
        assert r.status == 400, (body, r.status, await r.text())
    assert (await client.post("/v1/spaces/999/charts", headers=auth, json={"name": "x"})).status == 404
    assert (await client.get(f"{charts}/999", headers=auth)).status == 404
    assert (await client.get("/v1/spaces?sort=sideways", headers=auth)).status == 400
    assert await _position(client) == before
