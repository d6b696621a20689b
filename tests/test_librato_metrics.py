"""Librato legacy metrics over HTTP: every submission form, reads by source, update and delete."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import make_org_key

T0 = 1_700_000_000  # a round minute: 1_700_000_000 % 60 == 20, so buckets are checked against explicit edges


def basic(k: dict[str, Any]) -> dict[str, str]:
    raw = base64.b64encode(f"{k['email']}:{k['key']}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def post(client: TestClient, k: dict[str, Any], body: dict[str, Any]) -> Any:
    r = await client.post("/v1/metrics", json=body, headers=basic(k))
    assert r.status == 200, await r.text()
    return await r.json()


async def get(client: TestClient, k: dict[str, Any], path: str, status: int = 200, **params: Any) -> Any:
    r = await client.get(path, params=params, headers=basic(k))
    assert r.status == status, await r.text()
    return await r.json()


async def test_array_form_with_top_level_defaults(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    body = await post(client, k, {
        "measure_time": T0, "source": "my.app",
        "gauges": [{"name": "my.metric", "value": 42}, {"name": "cpu", "value": 88.4, "source": "my.machine",
                                                         "measure_time": T0 - 120}],
        "counters": [{"name": "conn_servers", "value": 5}]})
    assert body["measurements"]["summary"]["accepted"] == 3
    m = await get(client, k, "/v1/metrics/my.metric", start_time=T0 - 10)
    assert m["type"] == "gauge" and m["name"] == "my.metric"
    assert m["measurements"] == {"my.app": [{"measure_time": T0, "value": 42.0, "count": 1}]}
    cpu = await get(client, k, "/v1/metrics/cpu", start_time=T0 - 600)
    assert cpu["measurements"] == {"my.machine": [{"measure_time": T0 - 120, "value": 88.4, "count": 1}]}
    c = await get(client, k, "/v1/metrics/conn_servers", count=10)
    assert c["type"] == "counter" and c["measurements"]["my.app"][0]["value"] == 5.0


async def test_hash_by_name_and_unassigned_source(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"measure_time": T0, "gauges": {"login-delay": {"value": 3.5}, "x": {"value": 1, "source": "a"}}})
    m = await get(client, k, "/v1/metrics/login-delay", duration=10, end_time=T0)
    assert m["measurements"] == {"unassigned": [{"measure_time": T0, "value": 3.5, "count": 1}]}
    assert (await get(client, k, "/v1/metrics/x", count=1))["measurements"] == \
        {"a": [{"measure_time": T0, "value": 1.0, "count": 1}]}


async def test_form_encoded_hash_by_index(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    form = urlencode([("source", "web1"), ("measure_time", str(T0)),
                      ("gauges[0][name]", "cpu"), ("gauges[0][value]", "1.5"),
                      ("gauges[1][name]", "mem"), ("gauges[1][value]", "2"), ("gauges[1][source]", "web2"),
                      ("counters[0][name]", "reqs"), ("counters[0][value]", "10")])
    r = await client.post("/v1/metrics", data=form, headers={**basic(k), "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, await r.text()
    assert (await get(client, k, "/v1/metrics/cpu", count=5))["measurements"] == \
        {"web1": [{"measure_time": T0, "value": 1.5, "count": 1}]}
    assert list((await get(client, k, "/v1/metrics/mem", count=5))["measurements"]) == ["web2"]
    assert (await get(client, k, "/v1/metrics/reqs"))["type"] == "counter"


async def test_summary_gauges_store_the_mean_and_roll_up_exactly(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    start = T0 - T0 % 60
    await post(client, k, {"source": "s", "gauges": [
        {"name": "lat", "count": 4, "sum": 10.0, "min": 1.0, "max": 4.0, "sum_squares": 30.0, "measure_time": start},
        {"name": "lat", "value": 5.0, "measure_time": start + 30},
        {"name": "lat", "value": 7.0, "measure_time": start + 60}]})
    raw = await get(client, k, "/v1/metrics/lat", start_time=start, end_time=start + 60)
    assert raw["measurements"]["s"][0] == {"measure_time": start, "value": 2.5, "count": 4, "sum": 10.0,
                                          "min": 1.0, "max": 4.0, "sum_squares": 30.0}
    rolled = await get(client, k, "/v1/metrics/lat", start_time=start, end_time=start + 60, resolution=60)
    first, second = rolled["measurements"]["s"]
    assert first == {"measure_time": start, "value": 15.0 / 5, "count": 5, "sum": 15.0, "min": 1.0, "max": 5.0}
    assert second["measure_time"] == start + 60 and second["value"] == 7.0  # the edge opens its bucket
    assert rolled["resolution"] == 60


async def test_a_later_plain_point_replaces_a_summary_at_the_same_time(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": "g", "count": 2, "sum": 4, "measure_time": T0}]})
    await post(client, k, {"gauges": [{"name": "g", "value": 9, "measure_time": T0}]})
    assert (await get(client, k, "/v1/metrics/g", count=5))["measurements"] == \
        {"unassigned": [{"measure_time": T0, "value": 9.0, "count": 1}]}


async def test_names_are_case_insensitive(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": "Disk.Used", "value": 1, "measure_time": T0}]})
    await post(client, k, {"gauges": [{"name": "disk.used", "value": 2, "measure_time": T0 + 1}]})
    m = await get(client, k, "/v1/metrics/DISK.USED", count=5)
    assert m["name"] == "Disk.Used"
    assert [r["value"] for r in m["measurements"]["unassigned"]] == [1.0, 2.0]
    listing = await get(client, k, "/v1/metrics")
    assert [x["name"] for x in listing["metrics"]] == ["Disk.Used"]


async def test_sources_filter_count_and_summarize(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": "m", "value": i, "source": s, "measure_time": T0 + i}
                                      for i in range(5) for s in ("web-1", "web-2", "db-1")]})
    r = await client.get("/v1/metrics/m?sources[]=web-1&sources[]=db-1&count=2", headers=basic(k))
    body = await r.json()
    assert sorted(body["measurements"]) == ["db-1", "web-1"]
    assert [x["value"] for x in body["measurements"]["web-1"]] == [3.0, 4.0]
    assert list((await get(client, k, "/v1/metrics/m", sources="db-1", count=1))["measurements"]) == ["db-1"]
    body = await get(client, k, "/v1/metrics/m", source="web-*", start_time=T0, summarize_sources="True")
    assert sorted(body["measurements"]) == ["all", "web-1", "web-2"]
    assert body["measurements"]["all"][0] == {"measure_time": T0, "value": 0.0, "count": 2, "sum": 0.0, "min": 0.0, "max": 0.0}


async def test_metadata_only_without_a_window(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": "m", "value": 1, "period": 60, "display_name": "Em",
                                       "attributes": {"display_units_short": "ms"}}]})
    m = await get(client, k, "/v1/metrics/m")
    assert "measurements" not in m
    assert m["period"] == 60 and m["display_name"] == "Em" and m["attributes"]["display_units_short"] == "ms"


async def test_list_paginates_and_filters(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": f"m{i:03d}", "value": 1} for i in range(130)] +
                                     [{"name": "other", "value": 1}]})
    first = await get(client, k, "/v1/metrics")
    assert first["query"] == {"found": 131, "length": 100, "offset": 0, "total": 131}
    rest = await get(client, k, "/v1/metrics", offset=100, length=50)
    assert rest["query"]["length"] == 31 and rest["metrics"][-1]["name"] == "other"
    desc = await get(client, k, "/v1/metrics", length=2, sort="desc")
    assert [m["name"] for m in desc["metrics"]] == ["other", "m129"]
    found = await get(client, k, "/v1/metrics", name="m12")
    assert found["query"] == {"found": 10, "length": 10, "offset": 0, "total": 131}


@pytest.mark.parametrize("params,field", [({"length": "101"}, "length"), ({"length": "0"}, "length"),
                                          ({"offset": "-1"}, "offset"), ({"offset": "x"}, "offset"),
                                          ({"orderby": "created_at"}, "orderby"), ({"sort": "up"}, "sort")])
async def test_bad_paging_is_a_params_error(client: TestClient, params: dict[str, str], field: str) -> None:
    k = await make_org_key(client, "acme")
    body = await get(client, k, "/v1/metrics", 400, **params)
    assert field in body["errors"]["params"]


async def test_update_creates_and_merges_attributes(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    r = await client.put("/v1/metrics/new.one", json={"type": "counter", "description": "d"}, headers=basic(k))
    assert r.status == 201 and r.headers["Location"] == "/v1/metrics/new.one"
    assert (await r.json())["type"] == "counter"
    r = await client.put("/v1/metrics/new.one", json={"display_name": "N", "attributes": {"color": "#fff", "a": 1}},
                         headers=basic(k))
    assert r.status == 204
    r = await client.put("/v1/metrics/new.one", json={"attributes": {"a": None}, "period": 30}, headers=basic(k))
    assert r.status == 204
    m = await get(client, k, "/v1/metrics/new.one")
    assert (m["display_name"], m["description"], m["period"]) == ("N", "d", 30)
    assert m["attributes"]["color"] == "#fff" and "a" not in m["attributes"]
    r = await client.put("/v1/metrics/new.one", json={"type": "gauge"}, headers=basic(k))
    assert r.status == 400 and "type" in (await r.json())["errors"]["params"]
    r = await client.put("/v1/metrics/nope", json={"display_name": "x"}, headers=basic(k))
    assert r.status == 400 and (await r.json())["errors"]["params"]["type"] == ["is not present"]


async def test_delete_one_and_many_and_recreate(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    await post(client, k, {"gauges": [{"name": n, "value": 1, "measure_time": T0, "source": "s"} for n in "abc"]})
    r = await client.delete("/v1/metrics/a", headers=basic(k))
    assert r.status == 204
    await get(client, k, "/v1/metrics/a", 404)
    r = await client.delete("/v1/metrics/a", headers=basic(k))
    assert r.status == 404 and (await r.json())["errors"]["request"]
    r = await client.delete("/v1/metrics", json={"names": ["b", "C", "zzz"]}, headers=basic(k))
    assert r.status == 204
    assert (await get(client, k, "/v1/metrics"))["metrics"] == []
    await post(client, k, {"counters": [{"name": "b", "value": 3, "measure_time": T0 + 5, "source": "s"}]})
    b = await get(client, k, "/v1/metrics/b", start_time=T0 - 100)
    assert b["type"] == "counter" and b["measurements"] == {"s": [{"measure_time": T0 + 5, "value": 3.0, "count": 1}]}


async def test_another_orgs_metric_is_invisible(client: TestClient) -> None:
    a = await make_org_key(client, "acme")
    b = await make_org_key(client, "other", email="b@example.com")
    await post(client, a, {"gauges": [{"name": "secret", "value": 1}]})
    await get(client, b, "/v1/metrics/secret", 404)
    assert (await get(client, b, "/v1/metrics"))["metrics"] == []
    r = await client.delete("/v1/metrics/secret", headers=basic(b))
    assert r.status == 404
    await post(client, b, {"counters": [{"name": "secret", "value": 1}]})  # b's own metric of that name
    assert (await get(client, a, "/v1/metrics/secret"))["type"] == "gauge"


async def test_long_reads_stop_at_the_row_limit_with_next_time(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    for part in range(2):
        await post(client, k, {"source": "s", "gauges": [{"name": "big", "value": i, "measure_time": T0 + i}
                                                         for i in range(part * 6000, part * 6000 + 6000)]})
    body = await get(client, k, "/v1/metrics/big", start_time=T0)
    rows = body["measurements"]["s"]
    assert len(rows) == 10_000 and rows[-1]["measure_time"] == T0 + 9_999
    assert body["query"] == {"next_time": T0 + 10_000}
    rest = await get(client, k, "/v1/metrics/big", start_time=body["query"]["next_time"])
    assert len(rest["measurements"]["s"]) == 2_000 and "query" not in rest
    assert len((await get(client, k, "/v1/metrics/big", count=7))["measurements"]["s"]) == 7


async def test_paging_with_next_time_sends_every_row_once(client: TestClient) -> None:
    """A page ends at one time for every series: following next_time gives each source's rows,
    and the summarized 'all', exactly once (before, sources not cut were sent again on every
    page, and 'all' was cut at the row limit without a next_time)."""
    k = await make_org_key(client, "acme")
    for part in range(3):  # source a: 15,000 points every 1 s; source b: 3,000 every 5 s
        await post(client, k, {"source": "a", "gauges": [{"name": "big", "value": 1, "measure_time": T0 + i}
                                                         for i in range(part * 5000, part * 5000 + 5000)]})
    await post(client, k, {"source": "b", "gauges": [{"name": "big", "value": 2, "measure_time": T0 + 5 * i}
                                                     for i in range(3000)]})
    seen: dict[str, list[float]] = {"a": [], "b": [], "all": []}
    start, pages = T0, 0
    while True:
        body = await get(client, k, "/v1/metrics/big", start_time=start, end_time=T0 + 20_000,
                         summarize_sources="true")
        pages += 1
        for name, rows in body["measurements"].items():
            seen[name] += [row["measure_time"] for row in rows]
        if "query" not in body:
            break
        start = body["query"]["next_time"]
    assert pages == 2
    assert seen["a"] == list(range(T0, T0 + 15_000))
    assert seen["b"] == [T0 + 5 * i for i in range(3000)]
    assert seen["all"] == list(range(T0, T0 + 15_000))



async def test_paging_with_fractional_times_splits_no_bucket_of_all(client: TestClient) -> None:
    k = await make_org_key(client, "acme")
    for part in range(3):
        await post(client, k, {"source": "a", "gauges": [{"name": "half", "value": 1, "measure_time": T0 + 0.25 + 0.5 * i}
                                                         for i in range(part * 4000, min(part * 4000 + 4000, 10_001))]})
    counted, points, start = 0, 0, T0
    while True:
        body = await get(client, k, "/v1/metrics/half", start_time=start, end_time=T0 + 10_000, summarize_sources="true")
        counted += sum(row["count"] for row in body["measurements"].get("all", []))
        points += len(body["measurements"].get("a", []))
        if "query" not in body:
            break
        start = body["query"]["next_time"]
    assert points == counted == 10_001
