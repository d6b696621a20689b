"""/openapi.json documents every route the server has, each with a summary."""

from __future__ import annotations

from app.openapi import operations


async def test_every_route_is_in_the_openapi_document(client):
    r = await client.get("/openapi.json")
    assert r.status == 200
    doc = await r.json()
    assert doc["openapi"].startswith("3.1")
    routes = operations(client.app)
    assert len(routes) > 10
    missing = [(m, p) for m, p, _ in routes if m not in doc["paths"].get(p, {})]
    assert missing == [], f"routes missing from /openapi.json: {missing}"
    undocumented = [(m, p) for m, p, _ in routes if not doc["paths"][p][m]["summary"]]
    assert undocumented == [], f"handlers without a docstring: {undocumented}"
    op_ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(op_ids) == len(set(op_ids))


async def test_path_parameters_are_declared(client):
    doc = await (await client.get("/openapi.json")).json()
    op = doc["paths"]["/admin/orgs/{org_id}"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["org_id"]
