from tests.conftest import ADMIN, make_org_key


async def test_health_and_bootstrap(client):
    r = await client.get("/healthz")
    assert r.status == 200
    assert (await r.json())["position"] == 3  # org, user and admin key of the bootstrap


async def test_make_org_key(client):
    made = await make_org_key(client, "acme")
    assert len(made["key"]) == 32
    r = await client.get("/admin/orgs", headers=ADMIN)
    assert [o["name"] for o in (await r.json())["orgs"]] == ["Main Org.", "acme"]
