"""Hostile input that reaches deep into handlers, found by fuzzing real objects: bytes that are
not UTF-8 (in bodies and headers), JSON escapes of lone surrogates, Unicode digits, integers
beyond 64 bits. Each gets a 4xx in its dialect's shape (or is quietly made harmless), never a
5xx; a refused request stores nothing; and none of it can fail somebody else's write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import ADMIN, make_org_key, position, with_dialect_headers


async def raw(client: Any, method: str, path: str, headers: dict[str, bytes | str], body: bytes = b"") -> tuple[int, bytes]:
    """One request written byte for byte (aiohttp's client would refuse or re-encode these)."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    head = [f"{method} {path} HTTP/1.1".encode(), f"Host: {client.server.host}".encode(), b"Connection: close",
            f"Content-Length: {len(body)}".encode()]
    head += [k.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for k, v in headers.items()]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


@pytest.fixture
async def acme(client):
    made = with_dialect_headers(await make_org_key(client, "acme", scopes=["*"]))
    r = await client.post("/v2/devices", json={"name": "boiler"}, headers=made["m2x"])
    made["device"] = (await r.json())["id"]
    await client.put(f"/v2/devices/{made['device']}/streams/mode", json={"type": "alphanumeric"}, headers=made["m2x"])
    return made


async def test_bytes_that_are_not_utf8_in_a_json_string_are_400(client, acme):
    json_ = {"Content-Type": "application/json"}
    stream = f"/v2/devices/{acme['device']}/streams/mode"
    before = await position(client)
    for method, path, auth, body in (
        ("POST", "/v1/spaces", acme["basic"], b'{"name":"\xed\xa0\x80"}'),
        ("PUT", stream + "/value", acme["m2x"], b'{"value":"\xff"}'),
        ("POST", stream + "/values", acme["m2x"], b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":"\xff"}]}'),
        ("POST", "/admin/orgs", ADMIN, b'{"name":"\xff"}'),
    ):
        status, _ = await raw(client, method, path, {**auth, **json_}, body)
        assert status == 400, (method, path, status)
    assert await position(client) == before


async def test_a_lone_surrogate_escape_is_refused_and_stores_nothing(client, acme):
    stream = f"/v2/devices/{acme['device']}/streams"
    before = await position(client)
    for path, body in ((stream + "/mode/value", b'{"value":"\\ud800"}'),
                       (stream + "/fresh/value", b'{"value":"a\\udfffb"}'),
                       (stream + "/mode/values", b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":"\\ud800"}]}')):
        method = "PUT" if path.endswith("/value") else "POST"
        r = await client.request(method, path, data=body, headers={**acme["m2x"], "Content-Type": "application/json"})
        assert r.status == 422, (path, r.status, await r.text())
        assert (await r.json())["message"] == "Validation Failed"
    assert await position(client) == before
    r = await client.get(f"/v2/devices/{acme['device']}/streams", headers=acme["m2x"])
    assert "fresh" not in [s["name"] for s in (await r.json())["streams"]]


async def test_integers_beyond_64_bits_are_refused_and_store_nothing(client, acme):
    r = await client.post("/v1/instruments", json={"name": "CPU", "streams": [{"metric": "cpu", "source": "*"}]},
                          headers=acme["basic"])
    instrument = (await r.json())["id"]
    before = await position(client)
    json_ = {**acme["basic"], "Content-Type": "application/json"}
    for path, body in (
        (f"/v1/instruments/{instrument}", b'{"name":"CPU","streams":[{"metric":"cpu","source":"*","period":18446744073709551616}]}'),
        ("/v1/metrics/cpu", b'{"type":"gauge","attributes":{"display_units_short":18446744073709551616}}'),
    ):
        r = await client.put(path, data=body, headers=json_)
        assert r.status == 400 or r.status == 422, (path, r.status, await r.text())
        assert "errors" in await r.json()  # Librato's shape
    assert await position(client) == before


async def test_key_headers_that_are_not_utf8_are_401(client):
    for path, headers in (("/admin/orgs", {"Authorization": b"Bearer \xff"}), ("/v2/devices", {"X-M2X-KEY": b"\xff"}),
                          ("/v1/metrics", {"Authorization": b"Basic \xff\xfe"})):
        status, _ = await raw(client, "GET", path, headers)
        assert status == 401, (path, status)


async def test_a_request_id_that_is_not_utf8_is_replaced_and_fails_no_one(client, acme):
    """The request id goes into the log and its hash chain: one that cannot be stored is replaced
    by a fresh one, and the writes committed in the same group as it go through."""
    bad = {**acme["m2x"], "Content-Type": "application/json", "X-Request-Id": b"a\xff"}

    async def hostile() -> tuple[int, bytes]:
        return await raw(client, "POST", "/v2/devices", bad, b'{"name":"x"}')

    async def honest(i: int) -> int:
        r = await client.post("/v2/devices", json={"name": f"d{i}"}, headers=acme["m2x"])
        return r.status

    results = await asyncio.gather(*[hostile() for _ in range(5)], *[honest(i) for i in range(20)])
    assert [s for s, _ in results[:5]] == [201] * 5
    assert results[5:] == [201] * 20
    r = await client.get("/admin/events", params={"limit": 1000}, headers=ADMIN)
    ids = {e["request_id"] for e in (await r.json())["events"]}
    assert all(rid.isascii() and rid.isprintable() for rid in ids)


@pytest.mark.parametrize("how", ["path", "query", "body"])
async def test_unicode_digits_are_not_numbers(client, acme, how):
    """'²' passes str.isdigit() and fails int(); '٣' passes both. Neither is an id here."""
    r = await client.post("/v1/instruments", json={"name": "CPU", "streams": [{"metric": "cpu", "source": "*"}]},
                          headers=acme["basic"])
    instrument = (await r.json())["id"]
    token = ""
    if how == "query":
        r = await client.post("/v1/charts", json={"entity_type": "instrument", "entity_id": instrument}, headers=acme["basic"])
        token = (await r.json())["token"]
    before = await position(client)
    if how == "path":
        asks = [("GET", "/v1/instruments/%C2%B2", acme["basic"], None), ("GET", "/v1/spaces/%D9%A3", acme["basic"], None),
                ("GET", "/v2/keys/%C2%B2", acme["m2x"], None), ("GET", "/admin/orgs/%C2%B2", ADMIN, None)]
    elif how == "query":
        asks = [("GET", f"/share/instruments/{token}?duration=%C2%B2", {}, None),
                ("GET", "/admin/entities/org-1?as_of=%C2%B2", ADMIN, None)]
    else:
        asks = [("POST", "/v1/charts", acme["basic"], {"entity_type": "instrument", "entity_id": "²"}),
                ("POST", "/v1/instruments", acme["basic"], {"name": "x", "streams": {"²": {"metric": "cpu", "source": "*"}}})]
    for method, path, headers, body in asks:
        r = await client.request(method, path, json=body, headers=headers)
        assert 400 <= r.status < 500, (path, r.status, await r.text())
    assert await position(client) == before


async def test_huge_numbers_in_query_strings(client, acme):
    stream = f"/v2/devices/{acme['device']}/streams/temp"
    await client.post(stream + "/values", json={"values": [{"timestamp": "2024-01-01T00:00:00Z", "value": 1}]},
                      headers=acme["m2x"])
    r = await client.get(stream + "/sampling?type=nth&interval=" + "9" * 400, headers=acme["m2x"])
    assert r.status == 200 and [v["value"] for v in (await r.json())["values"]] == [1.0]  # the first point alone
    r = await client.get("/admin/entities/org-1?as_of=" + "9" * 30, headers=ADMIN)
    assert r.status == 200 and (await r.json())["state"]["name"]  # beyond every position: as it is now


async def test_digit_strings_too_long_for_int(client, acme):
    """int() refuses more than 4,300 digits (ValueError): such ids are nobody's, such positions
    are beyond the head."""
    many = "9" * 5000
    r = await client.get(f"/v2/keys/{many}", headers=acme["m2x"])
    assert r.status == 404
    r = await client.get(f"/admin/entities/org-1?as_of={many}", headers=ADMIN)
    assert r.status == 200
    before = await position(client)
    r = await client.post("/v1/instruments", json={"name": "x", "streams": {many: {"metric": "cpu", "source": "*"}}},
                          headers=acme["basic"])
    assert 400 <= r.status < 500
    assert await position(client) == before


async def test_a_librato_source_cannot_be_a_devices_id(client, acme):
    """Series are kept by (organization, source, metric), and a device's by its id: a Librato
    source spelled as a device id would write into the device's stream."""
    device = acme["device"]
    await client.put(f"/v2/devices/{device}/streams/temp/value", json={"value": 21.5, "timestamp": "2026-01-01T00:00:00Z"},
                     headers=acme["m2x"])
    before = await position(client)
    r = await client.post("/v1/metrics", json={"source": device, "gauges": [{"name": "temp", "value": 999}]},
                          headers=acme["basic"])
    assert r.status == 400 and "source" in (await r.json())["errors"]["params"]
    assert await position(client) == before
    r = await client.get(f"/v2/devices/{device}/streams/temp/values", headers=acme["m2x"])
    assert [v["value"] for v in (await r.json())["values"]] == [21.5]


async def test_positions_beyond_sqlite_integers(client):
    for query in ("after=9223372036854775808", "after=" + "9" * 30, "limit=" + "9" * 30):
        r = await client.get(f"/admin/events?{query}", headers=ADMIN)
        assert 200 <= r.status < 500, (query, r.status)


async def test_sampling_intervals_too_small_or_large(client, acme):
    stream = f"/v2/devices/{acme['device']}/streams/temp"
    await client.post(stream + "/values", json={"values": [{"timestamp": "2024-01-01T00:00:00Z", "value": 1}]},
                      headers=acme["m2x"])
    for interval in ("1e-300", "5e-324", "0.001", "0.5", "1e308"):
        r = await client.get(f"{stream}/sampling?type=avg&interval={interval}", headers=acme["m2x"])
        assert r.status == 422 and (await r.json())["errors"] == {"interval": ["out_of_range"]}, interval
    r = await client.get(f"{stream}/sampling?type=avg&interval=1", headers=acme["m2x"])
    assert r.status == 200


async def test_a_tag_filter_finds_a_legacy_source_whatever_its_case(client, acme):
    await client.post("/v1/metrics", json={"source": "Web-3", "gauges": [{"name": "cpu", "value": 1}]},
                      headers=acme["basic"])
    for wanted in ("Web-3", "web-3", "Web-*"):
        r = await client.get(f"/v1/measurements/cpu?duration=3600&tags[source]={wanted}", headers=acme["basic"])
        assert r.status == 200 and len((await r.json())["series"]) == 1, wanted


async def test_json_nested_deeper_than_python_recurses_is_400(client, acme):
    """A thousand nested arrays made the decoders (msgspec's and json's) raise RecursionError: 500."""
    json_ = {"Content-Type": "application/json"}
    deep = b"[" * 5000 + b"]" * 5000
    stream = f"/v2/devices/{acme['device']}/streams/mode"
    before = await position(client)
    for method, path, auth, body in (
        ("POST", "/v2/charts", acme["m2x"], deep),
        ("POST", stream + "/values", acme["m2x"], b'{"values":' + deep + b"}"),
        ("POST", f"/v2/devices/{acme['device']}/updates", acme["m2x"], deep),
        ("POST", "/v1/metrics", acme["basic"], deep),
        ("POST", "/v1/measurements", acme["basic"], b'{"measurements":' + deep + b"}"),
        ("POST", "/v1/instruments", acme["basic"], deep),
        ("POST", "/v1/snapshots", acme["basic"], deep),
        ("POST", "/admin/orgs", ADMIN, deep),
    ):
        status, answer = await raw(client, method, path, {**auth, **json_}, body)
        assert 400 <= status < 500, (method, path, status, answer[:200])
    form = {"Content-Type": "application/x-www-form-urlencoded"}  # curl's default: a JSON body sent as a form
    status, answer = await raw(client, "POST", "/v1/snapshots", {**acme["basic"], **form}, b'{"a":' + b"[" * 5000)
    assert 400 <= status < 500, (status, answer[:200])
    assert await position(client) == before
