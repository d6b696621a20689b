"""One key, presented the way each dialect expects; each refusal in that dialect's own shape."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.conftest import ADMIN, make_org_key


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


SCHEMES: dict[str, Any] = {
    # name: (path that needs data:read (admin: the admin scope, which only the operator
    # organization's keys hold), how to present a key, how the 401/403 body looks)
    "librato": ("/v1/metrics", lambda made, key: basic(made["email"], key), lambda body: "errors" in body),
    "m2x": ("/v2/devices", lambda made, key: {"X-M2X-KEY": key}, lambda body: "message" in body),
    "admin-bearer": ("/admin/orgs", lambda made, key: {"Authorization": f"Bearer {key}"},
                     lambda body: "error" in body),
}


@pytest.fixture(params=sorted(SCHEMES))
def scheme(request: pytest.FixtureRequest) -> tuple[str, Any, Any]:
    return SCHEMES[request.param]  # type: ignore[no-any-return]


async def test_a_key_works_in_its_dialect(client, scheme):
    path, present, _ = scheme
    made = await make_org_key(client, "acme", scopes=["*"], operator=path.startswith("/admin"))
    r = await client.get(path, headers=present(made, made["key"]))
    assert r.status == 200, await r.text()


async def test_missing_unknown_and_disabled_keys_are_401(client, scheme):
    path, present, shaped = scheme
    made = await make_org_key(client, "acme", scopes=["*"])
    for headers in ({}, present(made, "f" * 32), present(made, "")):
        r = await client.get(path, headers=headers)
        assert r.status == 401, headers
        assert shaped(await r.json())
    await client.post(f"/admin/keys/{made['key_id']}/disable", headers=ADMIN)
    r = await client.get(path, headers=present(made, made["key"]))
    assert r.status == 401 and shaped(await r.json())


async def test_a_key_without_the_scope_is_403(client, scheme):
    path, present, shaped = scheme
    made = await make_org_key(client, "acme", scopes=["sharing_configuration:read"])
    r = await client.get(path, headers=present(made, made["key"]))
    assert r.status == 403 and shaped(await r.json())


async def test_a_disabled_organization_is_refused(client, scheme):
    path, present, shaped = scheme
    made = await make_org_key(client, "acme", scopes=["*"])
    await client.post(f"/admin/orgs/{made['org']['id']}/disable", headers=ADMIN)
    r = await client.get(path, headers=present(made, made["key"]))
    body = await r.json()
    assert r.status == 403 and shaped(body)
    if path.startswith("/admin"):  # refused for the organization, before any scope is looked at
        assert body["error"]["code"] == "account_inactive"


async def test_librato_checks_the_email_belongs_to_the_key(client):
    made = await make_org_key(client, "acme", scopes=["*"])
    r = await client.get("/v1/metrics", headers=basic("someone@else.example", made["key"]))
    assert r.status == 401
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert (await r.json())["errors"]["request"]


async def test_m2x_account_not_active_body(client):
    made = await make_org_key(client, "acme", scopes=["*"])
    await client.post(f"/admin/orgs/{made['org']['id']}/disable", headers=ADMIN)
    r = await client.get("/v2/devices", headers={"X-M2X-KEY": made["key"]})
    assert (await r.json())["message"] == "Account Not Active"


async def test_keys_never_cross_organizations(client):
    acme = await make_org_key(client, "acme", scopes=["*"])
    globex = await make_org_key(client, "globex", email="g@globex.example", scopes=["*"])
    r = await client.post("/v2/devices", json={"name": "thermo", "visibility": "private"},
                          headers={"X-M2X-KEY": acme["key"]})
    assert r.status == 201, await r.text()
    device = (await r.json())["id"]
    r = await client.get(f"/v2/devices/{device}", headers={"X-M2X-KEY": globex["key"]})
    assert r.status in (403, 404)
    r = await client.get("/v2/devices", headers={"X-M2X-KEY": globex["key"]})
    assert (await r.json())["devices"] == []
