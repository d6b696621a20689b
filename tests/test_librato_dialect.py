"""The Librato error shape, pinned for every kind of refusal: params (400), request (401/403/404/405/
413/415/422), with ``WWW-Authenticate`` on 401."""

from __future__ import annotations

import base64

from aiohttp.test_utils import TestClient

from app.errors import Conflict, Invalid
from app.librato.dialect import DIALECT, internal
from tests.conftest import make_config, make_org_key
from tests.test_librato_metrics import basic


async def test_no_credentials_is_401_with_a_basic_challenge(client: TestClient) -> None:
    r = await client.get("/v1/metrics")
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Librato API"'
    assert await r.json() == {"errors": {"request": ["Please provide credentials for authentication."]}}


async def test_wrong_email_or_key_is_401(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    for user, key in (("someone@else.com", k["key"]), (k["email"], "nope")):
        auth = base64.b64encode(f"{user}:{key}".encode()).decode()
        r = await client.get("/v1/metrics", headers={"Authorization": f"Basic {auth}"})
        assert r.status == 401 and list((await r.json())["errors"]) == ["request"]


async def test_missing_scope_is_403(client: TestClient) -> None:
    k = await make_org_key(client, "acme", scopes=["data:read"])
    r = await client.post("/v1/metrics", json={"gauges": [{"name": "x", "value": 1}]}, headers=basic(k))
    assert r.status == 403 and list((await r.json())["errors"]) == ["request"]
    assert (await client.get("/v1/metrics", headers=basic(k))).status == 200


async def test_unknown_route_and_method(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    r = await client.get("/v1/no-such-thing", headers=basic(k))
    assert r.status == 404 and list((await r.json())["errors"]) == ["request"]
    r = await client.patch("/v1/metrics", headers=basic(k))
    assert r.status == 405 and list((await r.json())["errors"]) == ["request"]


async def test_body_too_large_is_413(aiohttp_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.server import create_app
    small = await aiohttp_client(create_app(make_config(tmp_path / "d", max_body_bytes=1024)))
    k = await make_org_key(small, "acme")
    r = await small.post("/v1/metrics", json={"gauges": [{"name": "x" * 10, "value": 1}] * 100}, headers=basic(k))
    assert r.status == 413 and list((await r.json())["errors"]) == ["request"]


def test_shapes_of_params_conflict_and_system_errors() -> None:
    r = DIALECT.error(Invalid("x", field="name", reason="is not present"))
    assert r.status == 400 and r.body == b'{"errors":{"params":{"name":["is not present"]}}}'
    r = DIALECT.error(Conflict("a space of that name exists"))
    assert r.status == 422 and b"Entity Already Exists" in r.body and b'"request"' in r.body
    r = internal()
    assert r.status == 500 and b'{"errors":{"system":' in r.body and r.headers["Connection"] == "close"
    assert DIALECT.owns("/v1/metrics") and DIALECT.owns("/v1") and not DIALECT.owns("/v10") and not DIALECT.owns("/v2/x")
