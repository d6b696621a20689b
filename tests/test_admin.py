"""The admin API: organizations, users, keys, events; its auth; and bad input that changes nothing."""

from __future__ import annotations


import pytest

from tests.conftest import ADMIN, make_org_key, position


async def test_orgs_users_keys_lifecycle(client):
    made = await make_org_key(client, "acme")
    org_id, user_id = made["org"]["id"], made["user"]["id"]
    r = await client.get(f"/admin/orgs/{org_id}", headers=ADMIN)
    assert (await r.json())["name"] == "acme"
    r = await client.get("/admin/users", params={"org_id": org_id}, headers=ADMIN)
    assert [u["email"] for u in (await r.json())["users"]] == ["owner@example.com"]
    r = await client.get("/admin/keys", params={"user_id": user_id}, headers=ADMIN)
    [key] = (await r.json())["keys"]
    assert "key" not in key and "key_hash" not in key and key["hint"] == "…" + made["key"][-4:]

    # a key works until it is disabled; the very next request is refused. The admin scope is
    # the operator's: a second operator (a user of organization 1) gets an admin key.
    user_key = {"Authorization": f"Bearer {made['key']}"}
    r = await client.post("/admin/users", json={"org_id": 1, "email": "ops@localhost"}, headers=ADMIN)
    r = await client.post("/admin/keys", json={"user_id": (await r.json())["id"], "scopes": ["admin"]}, headers=ADMIN)
    admin2 = {"Authorization": f"Bearer {(await r.json())['key']}"}
    assert (await client.get("/admin/orgs", headers=admin2)).status == 200
    assert (await client.get("/admin/orgs", headers=user_key)).status == 403  # no admin scope
    key_id = (await r.json())["id"]
    assert (await client.post(f"/admin/keys/{key_id}/disable", headers=ADMIN)).status == 200
    assert (await client.get("/admin/orgs", headers=admin2)).status == 401


async def test_admin_is_the_operators_alone(client):
    """Another organization's key never reaches /admin, whatever its scopes: /admin spans every
    organization, so with it one could read their events or mint keys for their users. Such a
    key cannot even be given the admin scope; '*' grants every other scope."""
    acme = await make_org_key(client, "acme")
    other = await make_org_key(client, "other", email="x@other.example", scopes=["*"])
    for scopes in (["admin"], ["admin", "data:read"]):
        r = await client.post("/admin/keys", json={"user_id": other["user"]["id"], "scopes": scopes}, headers=ADMIN)
        assert r.status == 422 and (await r.json())["error"]["field"] == "scopes"
    key = {"Authorization": f"Bearer {other['key']}"}
    before = await position(client)
    for method, path, body in (
        ("GET", "/admin/orgs", None),
        ("GET", "/admin/events", None),
        ("GET", f"/admin/entities/org-{acme['org']['id']}", None),
        ("POST", "/admin/keys", {"user_id": acme["user"]["id"], "scopes": ["data:read"]}),
        ("POST", "/admin/orgs", {"name": "mine"}),
    ):
        r = await client.request(method, path, json=body, headers=key)
        assert r.status == 403, (method, path, r.status)
        assert "acme" not in await r.text()
    assert await position(client) == before
    r = await client.get("/v2/devices", headers={"X-M2X-KEY": other["key"]})  # every other scope holds
    assert r.status == 200


async def test_a_disabled_org_or_user_stops_its_keys(client):
    made = await make_org_key(client, "acme", scopes=["*"])
    key = {"Authorization": f"Bearer {made['key']}"}
    assert (await client.get("/admin/orgs", headers=key)).status == 403  # admin: the operator's alone
    await client.post(f"/admin/orgs/{made['org']['id']}/disable", headers=ADMIN)
    r = await client.get("/admin/orgs", headers=key)
    assert r.status == 403 and (await r.json())["error"]["code"] == "account_inactive"
    r = await client.get("/v2/devices", headers={"X-M2X-KEY": made["key"]})
    assert r.status == 403 and (await r.json())["message"] == "Account Not Active"
    await client.post(f"/admin/orgs/{made['org']['id']}/enable", headers=ADMIN)
    assert (await client.get("/v2/devices", headers={"X-M2X-KEY": made["key"]})).status == 200
    await client.post(f"/admin/users/{made['user']['id']}/disable", headers=ADMIN)
    assert (await client.get("/admin/orgs", headers=key)).status == 401
    assert (await client.get("/v2/devices", headers={"X-M2X-KEY": made["key"]})).status == 401


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer " + "0" * 32}, {"Authorization": "Bearer"}, {"Authorization": "Basic !!!"},
    {"Authorization": "Token " + "a" * 32},
])
async def test_missing_or_unknown_keys_get_401_in_the_native_shape(client, headers):
    r = await client.get("/admin/orgs", headers=headers)
    assert r.status == 401
    assert (await r.json())["error"]["code"] == "unauthenticated"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


async def test_basic_auth_with_the_key_as_password_works_for_bearer_routes(client):
    import base64
    token = base64.b64encode(b"admin@localhost:" + b"a" * 32).decode()
    assert (await client.get("/admin/orgs", headers={"Authorization": f"Basic {token}"})).status == 200


@pytest.mark.parametrize("path,body,kwargs,status,field", [
    ("/admin/orgs", None, {"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, None),
    ("/admin/orgs", None, {"json": {"name": 5}}, 422, "name"),
    ("/admin/orgs", None, {"json": {"name": "x", "extra": 1}}, 422, "extra"),
    ("/admin/orgs", None, {"json": {}}, 422, "name"),
    ("/admin/orgs", None, {"json": {"name": "   "}}, 422, "name"),
    ("/admin/orgs", None, {"json": {"name": "Main Org."}}, 409, "name"),
    ("/admin/orgs", None, {"json": ["name"]}, 422, None),
    ("/admin/orgs", None, {"data": "name=x", "headers": {"Content-Type": "text/plain"}}, 415, None),
    ("/admin/users", None, {"json": {"org_id": 999, "email": "a@b.c"}}, 404, "org_id"),
    ("/admin/users", None, {"json": {"org_id": 1, "email": "not-an-email"}}, 422, "email"),
    ("/admin/users", None, {"json": {"org_id": 1, "email": "admin@localhost"}}, 409, "email"),
    ("/admin/users", None, {"json": {"org_id": 1, "email": "x@y.z", "role": "god"}}, 422, "role"),
    ("/admin/keys", None, {"json": {"user_id": 1, "scopes": ["root"]}}, 422, "scopes"),
    ("/admin/keys", None, {"json": {"user_id": 1, "scopes": []}}, 422, "scopes"),
    ("/admin/keys", None, {"json": {"user_id": 77}}, 404, "user_id"),
    ("/admin/keys", None, {"json": {"user_id": "1"}}, 422, "user_id"),
])
async def test_bad_input_gets_a_4xx_and_changes_nothing(client, path, body, kwargs, status, field):
    before = await position(client)
    r = await client.post(path, headers={**ADMIN, **kwargs.pop("headers", {})}, **kwargs)
    assert r.status == status, await r.text()
    err = (await r.json())["error"]
    assert err["message"] and err["field"] == field
    assert await position(client) == before


async def test_oversized_bodies_get_413_and_change_nothing(aiohttp_client, tmp_path):
    from app.server import create_app
    from tests.conftest import make_config
    client = await aiohttp_client(create_app(make_config(tmp_path / "d", max_body_bytes=1000)))
    before = await position(client)
    r = await client.post("/admin/orgs", json={"name": "x" * 5000}, headers=ADMIN)
    assert r.status == 413 and (await r.json())["error"]["code"] == "too_large"
    assert await position(client) == before


@pytest.mark.parametrize("path", ["/admin/orgs/abc", "/admin/orgs/99999999999999999999999", "/admin/keys/0",
                                  "/admin/users/-1", "/admin/nothing"])
async def test_unknown_things_are_404(client, path):
    r = await client.get(path, headers=ADMIN)
    assert r.status == 404 and (await r.json())["error"]["code"] == "not_found"


async def test_wrong_method_is_405_with_allow(client):
    r = await client.delete("/admin/orgs", headers=ADMIN)
    assert r.status == 405 and "POST" in r.headers["Allow"]


async def test_events_endpoint_filters_and_pages(client):
    made = await make_org_key(client, "acme")
    key_stream = f"key-{made['key_id']}"
    r = await client.get("/admin/events", params={"entity": key_stream}, headers=ADMIN)
    [ev] = (await r.json())["events"]
    assert ev["type"] == "key.created" and ev["actor"] == "key-1" and ev["entity"] == key_stream
    assert "hint" in ev["data"] and made["key"] not in str(ev)  # the secret never enters the log

    r = await client.get("/admin/events", params={"actor": "system"}, headers=ADMIN)
    assert [e["position"] for e in (await r.json())["events"]] == [1, 2, 3]
    r = await client.get("/admin/events", params={"entity": "org"}, headers=ADMIN)
    assert {e["entity"] for e in (await r.json())["events"]} == {"org-1", f"org-{made['org']['id']}"}

    seen, url = [], "/admin/events?limit=2"
    while url:
        page = await (await client.get(url, headers=ADMIN)).json()
        assert len(page["events"]) <= 2
        seen += [e["position"] for e in page["events"]]
        url = page["next"]
        if url:  # absolute, as the dialects' links are
            assert url.startswith("http://") and "/admin/events?" in url
            url = url[url.index("/admin/events"):]
    assert seen == list(range(1, await position(client) + 1))

    r = await client.get("/admin/events", params={"since": "2150-01-01T00:00:00Z"}, headers=ADMIN)
    assert (await r.json())["events"] == []
    for bad in ({"limit": "0"}, {"limit": "x"}, {"since": "yesterday"}, {"after": "-1"}):
        r = await client.get("/admin/events", params=bad, headers=ADMIN)
        assert r.status == 422, bad


async def test_entity_as_of_and_verify(client):
    made = await make_org_key(client, "acme")
    created_at = await position(client)
    await client.post(f"/admin/orgs/{made['org']['id']}/disable", headers=ADMIN)
    r = await client.get(f"/admin/entities/org-{made['org']['id']}", params={"as_of": str(created_at)}, headers=ADMIN)
    assert (await r.json())["state"]["enabled"] is True
    r = await client.get(f"/admin/entities/org-{made['org']['id']}", headers=ADMIN)
    assert (await r.json())["state"]["enabled"] is False
    assert (await client.get("/admin/entities/org-999", headers=ADMIN)).status == 404
    assert (await client.get("/admin/entities/nonsense-1", headers=ADMIN)).status == 422
    r = await client.get("/admin/verify", headers=ADMIN)
    assert (await r.json())["ok"] is True


async def test_every_response_has_a_request_id(client):
    r = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert r.headers["X-Request-Id"] == "abc123"
    made = await make_org_key(client, "acme")
    r = await client.post("/admin/orgs", json={"name": "traced"}, headers={**ADMIN, "X-Request-Id": "trace-7"})
    r = await client.get("/admin/events", params={"entity": "org"}, headers=ADMIN)
    assert (await r.json())["events"][-1]["request_id"] == "trace-7"
    assert made


async def test_the_operator_organization_cannot_be_disabled(client):
    """Its keys alone hold admin: disabling it would leave nobody to enable it again."""
    before = await position(client)
    r = await client.post("/admin/orgs/1/disable", headers=ADMIN)
    assert r.status == 409 and (await r.json())["error"]["code"] == "conflict"
    assert (await client.get("/admin/orgs", headers=ADMIN)).status == 200
    assert await position(client) == before
