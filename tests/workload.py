"""A mixed workload over the HTTP API, for the tests that compare states (rebuild, restart).

Each dialect adds its own steps here, so the rebuild-equality test covers every projection."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, make_org_key
from tests.workload_m2x import m2x as m2x_workload


async def accounts(client: Any) -> dict[str, Any]:
    acme = await make_org_key(client, "acme")
    other = await make_org_key(client, "globex", email="boss@globex.example", scopes=["data:read"])
    r = await client.post("/admin/users", json={"org_id": acme["org"]["id"], "email": "temp@acme.example"}, headers=ADMIN)
    temp = await r.json()
    await client.post(f"/admin/users/{temp['id']}/disable", headers=ADMIN)
    await client.post(f"/admin/keys/{other['key_id']}/disable", headers=ADMIN)
    await client.post(f"/admin/orgs/{other['org']['id']}/disable", headers=ADMIN)
    await client.post(f"/admin/orgs/{other['org']['id']}/enable", headers=ADMIN)
    return acme


STEPS = [accounts]


async def run(client: Any) -> None:
    for step in STEPS:
        await step(client)


async def sharing(client: Any) -> None:
    """An instrument and a dashboard, tokens for both, a revoked token, a rendered snapshot."""
    import asyncio
    import base64

    from app.sharing.runner import RUNNER

    made = await make_org_key(client, "sharing-co", email="share@sharing.example")
    auth = {"Authorization": "Basic " + base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()}
    r = await client.post("/v1/instruments", headers=auth, json={"name": "cpu", "streams": [{"metric": "cpu"}]})
    inst = await r.json()
    r = await client.post("/v1/dashboards", headers=auth, json={"name": "ops", "instruments": [inst["id"]]})
    dash = await r.json()
    for entity_type, entity_id in (("instrument", inst["id"]), ("dashboard", dash["id"]), ("instrument", inst["id"])):
        r = await client.post("/v1/charts", headers=auth, json={"entity_type": entity_type, "entity_id": entity_id})
        assert r.status == 201, await r.text()
    await client.delete(f"/v1/charts/{(await r.json())['token']}", headers=auth)
    r = await client.post("/v1/snapshots", headers=auth, json={"subject": {"chart": {"id": inst["id"]}}})
    assert r.status == 202, await r.text()
    await asyncio.wait_for(client.app[RUNNER].drained(), 30)


async def librato_and_charts(client: Any) -> None:
    """Librato metrics and tagged measurements (written, updated, deleted), a space with charts,
    and an M2X chart made, changed and removed: every chart and dashboard event kind."""
    import base64

    made = await make_org_key(client, "charts-co", email="c@charts.example")
    basic = {"Authorization": "Basic " + base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()}
    m2x = {"X-M2X-KEY": made["key"]}

    async def ok(r: Any) -> Any:
        assert r.status < 300, await r.text()
        return await r.json() if r.status != 204 else None

    await ok(await client.post("/v1/metrics", headers=basic, json={
        "source": "web-1", "gauges": [{"name": "cpu", "value": 1.5, "measure_time": 1_700_000_000},
                                      {"name": "load", "count": 2, "sum": 3.0, "measure_time": 1_700_000_000}],
        "counters": [{"name": "hits", "value": 7, "measure_time": 1_700_000_000}]}))
    await ok(await client.post("/v1/measurements", headers=basic, json={
        "tags": {"region": "eu"}, "time": 1_700_000_060, "measurements": [{"name": "cpu", "value": 2.5}]}))
    await ok(await client.put("/v1/metrics/cpu", headers=basic, json={"display_name": "CPU"}))
    await ok(await client.delete("/v1/metrics/hits", headers=basic))
    space = await ok(await client.post("/v1/spaces", headers=basic, json={"name": "Ops"}))
    chart = await ok(await client.post(f"/v1/spaces/{space['id']}/charts", headers=basic,
                                       json={"name": "CPU", "type": "line", "streams": [{"metric": "cpu", "source": "*"}]}))
    await ok(await client.put(f"/v1/spaces/{space['id']}/charts/{chart['id']}", headers=basic, json={"name": "CPU 2"}))
    await ok(await client.post(f"/v1/spaces/{space['id']}/charts", headers=basic,
                               json={"name": "gone", "type": "bignumber", "streams": [{"metric": "load"}]}))
    device = await ok(await client.post("/v2/devices", headers=m2x, json={"name": "d", "visibility": "private"}))
    await ok(await client.put(f"/v2/devices/{device['id']}/streams/t", headers=m2x, json={}))
    series = [{"device": device["id"], "stream": "t"}]
    c = await ok(await client.post("/v2/charts", headers=m2x, json={"name": "T", "series": series}))
    await ok(await client.put(f"/v2/charts/{c['id']}", headers=m2x, json={"name": "T2", "series": series}))
    c2 = await ok(await client.post("/v2/charts", headers=m2x, json={"name": "gone", "series": series}))
    await ok(await client.delete(f"/v2/charts/{c2['id']}", headers=m2x))


STEPS += [sharing, m2x_workload, librato_and_charts]
