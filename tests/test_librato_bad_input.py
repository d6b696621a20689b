"""Bad Librato input: each case gets 400 ``{"errors":{"params":{field:[...]}}}`` naming the field (or the
request-level shape for what is not about one field), and nothing of the request is stored."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import make_org_key, position
from tests.test_librato_metrics import T0, basic


def good(name: str = "ok.metric") -> dict[str, Any]:
    return {"name": name, "value": 1, "measure_time": T0}


LEGACY: list[tuple[str, dict[str, Any], str]] = [
    ("non-numeric value", {"gauges": [good(), {"name": "x", "value": "abc"}]}, "value"),
    ("boolean value", {"gauges": [{"name": "x", "value": True}]}, "value"),
    ("NaN as text", {"gauges": [good(), {"name": "x", "value": "NaN"}]}, "value"),
    ("infinity as text", {"counters": [{"name": "x", "value": "-Infinity"}], "gauges": [good()]}, "value"),
    ("huge exponent", {"gauges": [{"name": "x", "value": 1e127}]}, "value"),
    ("unparseable time", {"gauges": [good(), {"name": "x", "value": 1, "measure_time": "yesterday"}]}, "measure_time"),
    ("negative time", {"gauges": [{"name": "x", "value": 1, "measure_time": -5}]}, "measure_time"),
    ("time too far ahead", {"measure_time": 10**12, "gauges": [good()]}, "measure_time"),
    ("bad characters in a name", {"gauges": [good(), {"name": "bad name!", "value": 1}]}, "name"),
    ("name too long", {"gauges": [{"name": "x" * 256, "value": 1}]}, "name"),
    ("missing name", {"gauges": [{"value": 1}]}, "name"),
    ("reserved source all", {"source": "ALL", "gauges": [good()]}, "source"),
    ("bad source", {"gauges": [{"name": "x", "value": 1, "source": "a/b"}]}, "source"),
    ("empty batch", {}, "gauges"),
    ("empty arrays", {"gauges": [], "counters": []}, "gauges"),
    ("over the limit", {"gauges": [{"name": "x", "value": i, "measure_time": T0 + i} for i in range(10_001)]}, "gauges"),
    ("count without sum", {"gauges": [{"name": "x", "count": 2}]}, "sum"),
    ("zero count", {"gauges": [{"name": "x", "count": 0, "sum": 1}]}, "count"),
    ("min above max", {"gauges": [{"name": "x", "count": 2, "sum": 1, "min": 3, "max": 1}]}, "min"),
    ("summary on a counter", {"counters": [{"name": "x", "count": 2, "sum": 2}]}, "count"),
    ("value and summary", {"gauges": [{"name": "x", "value": 1, "count": 2, "sum": 2}]}, "value"),
    ("gauge and counter of one name", {"gauges": [good("x")], "counters": [good("X")]}, "name"),
    ("entries not hashes", {"gauges": [1, 2]}, "gauges"),
    ("bad period", {"gauges": [{"name": "x", "value": 1, "period": "often"}]}, "period"),
    ("attributes not a hash", {"gauges": [{"name": "x", "value": 1, "attributes": [1]}]}, "attributes"),
]


@pytest.mark.parametrize("case,body,field", LEGACY, ids=[c[0] for c in LEGACY])
async def test_legacy_bad_input_is_refused_whole(client: TestClient, case: str, body: dict[str, Any], field: str) -> None:
    k = await make_org_key(client, "acme")
    before = await position(client)
    r = await client.post("/v1/metrics", json=body, headers=basic(k))
    assert r.status == 400, await r.text()
    errors = (await r.json())["errors"]
    assert list(errors) == ["params"] and field in errors["params"], errors
    assert all(isinstance(x, str) for x in errors["params"][field])
    assert await position(client) == before
    listing = await client.get("/v1/metrics", headers=basic(k))
    assert (await listing.json())["metrics"] == []


async def test_a_measurement_of_the_wrong_type_is_refused_whole(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    r = await client.post("/v1/metrics", json={"counters": [good("hits")]}, headers=basic(k))
    assert r.status == 200
    before = await position(client)
    r = await client.post("/v1/metrics", json={"gauges": [good("fresh"), good("hits")]}, headers=basic(k))
    assert r.status == 400 and "type" in (await r.json())["errors"]["params"]
    assert await position(client) == before
    assert (await client.get("/v1/metrics/fresh", headers=basic(k))).status == 404


TAGGED: list[tuple[str, dict[str, Any], str]] = [
    ("no tags at all", {"measurements": [{"name": "x", "value": 1}]}, "tags"),
    ("bad tag name", {"tags": {"bad tag": "v"}, "measurements": [{"name": "x", "value": 1}]}, "tags"),
    ("tag name too long", {"tags": {"t" * 65: "v"}, "measurements": [{"name": "x", "value": 1}]}, "tags"),
    ("bad tag value", {"measurements": [{"name": "x", "value": 1, "tags": {"k": "a=b"}}]}, "tags"),
    ("empty tag value", {"measurements": [{"name": "x", "value": 1, "tags": {"k": ""}}]}, "tags"),
    ("51 tags", {"tags": {f"t{i}": "v" for i in range(51)}, "measurements": [{"name": "x", "value": 1}]}, "tags"),
    ("tags not a hash", {"tags": ["a"], "measurements": [{"name": "x", "value": 1}]}, "tags"),
    ("bad time", {"tags": {"a": "b"}, "time": "noon", "measurements": [{"name": "x", "value": 1}]}, "time"),
    ("bad own time", {"tags": {"a": "b"}, "measurements": [{"name": "x", "value": 1, "time": 1e13}]}, "time"),
    ("non-numeric value", {"tags": {"a": "b"}, "measurements": [{"name": "ok", "value": 1}, {"name": "x", "value": "1,5"}]}, "value"),
    ("bad name", {"tags": {"a": "b"}, "measurements": [{"name": "a b", "value": 1}]}, "name"),
    ("empty", {"tags": {"a": "b"}, "measurements": []}, "measurements"),
    ("missing", {"tags": {"a": "b"}}, "measurements"),
    ("over the limit", {"tags": {"a": "b"}, "measurements": [{"name": "x", "value": 1}] * 10_001}, "measurements"),
    ("bad period", {"tags": {"a": "b"}, "period": 0, "measurements": [{"name": "x", "value": 1}]}, "period"),
]


@pytest.mark.parametrize("case,body,field", TAGGED, ids=[c[0] for c in TAGGED])
async def test_tagged_bad_input_is_refused_whole(client: TestClient, case: str, body: dict[str, Any], field: str) -> None:
    k = await make_org_key(client, "acme")
    before = await position(client)
    r = await client.post("/v1/measurements", json=body, headers=basic(k))
    assert r.status == 400, await r.text()
    errors = (await r.json())["errors"]
    assert field in errors["params"], errors
    assert await position(client) == before


async def test_measurements_take_json_only(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    before = await position(client)
    r = await client.post("/v1/measurements", data="measurements[0][name]=x&measurements[0][value]=1&tags[a]=b",
                          headers={**basic(k), "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    assert list((await r.json())["errors"]) == ["request"]
    assert await position(client) == before


@pytest.mark.parametrize("data,ctype", [(b'{"gauges": [', "application/json"), (b"[1, 2]", "application/json"),
                                        (b'{"gauges": [{"name": "x", "value": 1e400}]}', "application/json")])
async def test_unparseable_bodies_are_400_request_errors(client: TestClient, data: bytes, ctype: str) -> None:
    k = await make_org_key(client, "acme")
    before = await position(client)
    r = await client.post("/v1/metrics", data=data, headers={**basic(k), "Content-Type": ctype})
    assert r.status == 400
    assert list((await r.json())["errors"]) == ["request"]
    assert await position(client) == before


async def test_other_content_types_are_415(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    r = await client.post("/v1/metrics", data=b"cpu 1", headers={**basic(k), "Content-Type": "text/plain"})
    assert r.status == 415 and (await r.json())["errors"]["request"]


@pytest.mark.parametrize("query,field", [("start_time=soon", "start_time"), ("start_time=10&end_time=5", "start_time"),
                                         ("duration=-1", "duration"), ("count=0", "count"), ("resolution=x", "resolution"),
                                         ("end_time=1e20&duration=5", "end_time")])
async def test_bad_read_parameters(client: TestClient, query: str, field: str) -> None:
    k = await make_org_key(client, "acme")
    r = await client.post("/v1/metrics", json={"gauges": [good("m")]}, headers=basic(k))
    assert r.status == 200
    r = await client.get(f"/v1/metrics/m?{query}", headers=basic(k))
    assert r.status == 400 and field in (await r.json())["errors"]["params"]
