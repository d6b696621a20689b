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
