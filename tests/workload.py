"""A mixed workload over the HTTP API, for the tests that compare states (rebuild, restart).

Each dialect adds its own steps here, so the rebuild-equality test covers every projection."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, make_org_key


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


STEPS.append(sharing)
from tests.workload_m2x import m2x as _m2x; STEPS.append(_m2x)  # noqa: E402,E702
