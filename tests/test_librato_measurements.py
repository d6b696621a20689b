"""Librato tagged measurements over HTTP: tag replacement, defaults, summaries, reads by tag set."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import make_org_key
from tests.test_librato_metrics import T0, basic, get


async def submit(client: TestClient, k: dict[str, Any], body: dict[str, Any]) -> Any:
    r = await client.post("/v1/measurements", json=body, headers=basic(k))
    assert r.status == 202, await r.text()
    return await r.json()


async def test_own_tags_replace_the_top_level_tags_never_merged(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    body = await submit(client, k, {
        "tags": {"region": "us-east-1", "az": "a"}, "time": T0, "period": 60,
        "measurements": [{"name": "cpu", "value": 4.5},
                         {"name": "cpu", "value": 34.5, "tags": {"db": "db-prod-1"}},
                         {"name": "lat", "sum": 35.0, "count": 3, "min": 4.5, "max": 6.7, "last": 2.5, "stddev": 1.34,
                          "attributes": {"aggregate": False}, "time": T0 - 60}]})
    assert body == {"measurements": {"summary": {"total": 3, "accepted": 3, "failed": 0, "filtered": 0}}}
    cpu = await get(client, k, "/v1/measurements/cpu", start_time=T0 - 10, resolution=1)
    assert cpu["name"] == "cpu" and cpu["resolution"] == 1
    assert sorted(cpu["series"], key=lambda s: sorted(s["tags"])) == [
        {"tags": {"az": "a", "region": "us-east-1"}, "measurements": [{"time": T0, "value": 4.5}]},
        {"tags": {"db": "db-prod-1"}, "measurements": [{"time": T0, "value": 34.5}]}]
    lat = await get(client, k, "/v1/measurements/lat", duration=120, end_time=T0)
    assert lat["series"] == [{"tags": {"az": "a", "region": "us-east-1"},
                              "measurements": [{"time": T0 - 60, "value": 35.0 / 3}]}]
    meta = await get(client, k, "/v1/metrics/cpu")
    assert meta["period"] == 60 and meta["type"] == "gauge"


async def test_tags_are_lower_cased_and_filterable(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await submit(client, k, {"time": T0, "measurements": [
        {"name": "req", "value": 1, "tags": {"Host": "Web-1", "env": "prod"}},
        {"name": "req", "value": 2, "tags": {"host": "web-2", "env": "prod"}},
        {"name": "req", "value": 3, "tags": {"host": "db-1", "env": "staging"}}]})
    r = await client.get(f"/v1/measurements/req?start_time={T0}&tags[host]=web-*&tags[env]=PROD", headers=basic(k))
    body = await r.json()
    assert r.status == 200, body
    assert sorted(s["tags"]["host"] for s in body["series"]) == ["web-1", "web-2"]
    r = await client.get(f"/v1/measurements/req?start_time={T0}&tags[host]=db-1", headers=basic(k))
    assert [s["measurements"] for s in (await r.json())["series"]] == [[{"time": T0, "value": 3.0}]]


async def test_empty_own_tags_fall_back_to_the_top_level(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await submit(client, k, {"tags": {"app": "x"}, "time": T0, "measurements": [{"name": "q", "sum": 6, "count": 2, "tags": {}}]})
    body = await get(client, k, "/v1/measurements/q", start_time=T0)
    assert body["series"] == [{"tags": {"app": "x"}, "measurements": [{"time": T0, "value": 3.0}]}]


async def test_resolution_rolls_up_and_legacy_sources_show_as_a_source_tag(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    start = T0 - T0 % 60
    await submit(client, k, {"tags": {"h": "a"}, "measurements": [
        {"name": "m", "value": v, "time": start + i * 20} for i, v in enumerate([1, 2, 3, 4])]})
    r = await client.post("/v1/metrics", json={"gauges": [{"name": "m", "value": 10, "source": "legacy", "measure_time": start}]},
                          headers=basic(k))
    assert r.status == 200
    body = await get(client, k, "/v1/measurements/m", start_time=start, end_time=start + 60, resolution=60)
    by = {tuple(sorted(s["tags"].items())): s["measurements"] for s in body["series"]}
    assert by[(("h", "a"),)] == [{"time": start, "value": 2.0}, {"time": start + 60, "value": 4.0}]
    assert by[(("source", "legacy"),)] == [{"time": start, "value": 10.0}]
    assert list((await get(client, k, "/v1/metrics/m", start_time=start))["measurements"]) == ["legacy"]


async def test_reading_needs_a_start(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await submit(client, k, {"tags": {"a": "b"}, "measurements": [{"name": "m", "value": 1}]})
    body = await get(client, k, "/v1/measurements/m", 400, resolution=60)
    assert body == {"errors": {"params": {"start_time": ["is not present"]}}}
    await get(client, k, "/v1/measurements/nope", 404, duration=60)


async def test_points_without_a_time_get_now_in_whole_seconds(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await submit(client, k, {"tags": {"a": "b"}, "measurements": [{"name": "now", "value": 1}]})
    r = await client.post("/v1/metrics", json={"gauges": [{"name": "now2", "value": 1}]}, headers=basic(k))
    assert r.status == 200
    tagged = await get(client, k, "/v1/measurements/now", duration=600)
    legacy = await get(client, k, "/v1/metrics/now2", count=1)
    for t in (tagged["series"][0]["measurements"][0]["time"], legacy["measurements"]["unassigned"][0]["measure_time"]):
        assert isinstance(t, int)
