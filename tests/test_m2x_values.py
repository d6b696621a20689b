"""M2X values over HTTP: writes, reads, deletes, sampling, stats, and refused input."""

from __future__ import annotations


import pytest

from tests.conftest import make_org_key, position
from tests.test_m2x_devices import m2x, new_device


@pytest.fixture
async def dev(client):
    o = await make_org_key(client, "acme")
    d = await new_device(client, o["key"])
    key = o["key"]
    await client.put(f"/v2/devices/{d['id']}/streams/temp", json={"type": "numeric"}, headers=m2x(key))
    await client.put(f"/v2/devices/{d['id']}/streams/state", json={"type": "alphanumeric"}, headers=m2x(key))
    return {"key": key, "id": d["id"], "device_key": d["key"], "base": f"/v2/devices/{d['id']}/streams"}


def ts(second: float) -> str:
    """2024-01-01T00:00:SS.mmmZ plus seconds."""
    whole = int(second)
    return f"2024-01-01T{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{round((second - whole) * 1000):03d}Z"


async def post(client, dev, stream, points, key=None):
    return await client.post(f"{dev['base']}/{stream}/values", headers=m2x(key or dev["key"]),
                             json={"values": [{"timestamp": ts(t), "value": v} for t, v in points]})


async def test_values_newest_first_with_filters_and_limit(client, dev):
    r = await post(client, dev, "temp", [(i, float(i)) for i in range(10)])
    assert r.status == 202 and await r.json() == {"status": "accepted"}
    r = await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))
    body = await r.json()
    assert [v["value"] for v in body["values"]] == [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    assert body["values"][0]["timestamp"] == "2024-01-01T00:00:09.000Z" and body["limit"] == 100
    q = f"start={ts(2)}&end={ts(8)}&min=3&max=7&limit=3"
    body = await (await client.get(f"{dev['base']}/temp/values?{q}", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == [7.0, 6.0, 5.0]
    assert body["start"] == ts(2) and body["end"] == ts(8)
    body = await (await client.get(f"{dev['base']}/temp/values?limit=50000", headers=m2x(dev["key"]))).json()
    assert body["limit"] == 10_000


async def test_same_timestamp_last_write_wins(client, dev):
    await post(client, dev, "temp", [(1, 1.0), (2, 2.0)])
    await post(client, dev, "temp", [(1, 10.0)])
    body = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == [2.0, 10.0]


async def test_alphanumeric_values_and_numeric_strings(client, dev):
    r = await post(client, dev, "state", [(1, "on"), (2, 3)])
    assert r.status == 202
    body = await (await client.get(f"{dev['base']}/state/values", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == ["3", "on"]
    body = await (await client.get(f"{dev['base']}/state/values?limit=1", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == ["3"]  # the newest
    r = await post(client, dev, "temp", [(1, "12.5")])  # a numeric string on a numeric stream reads as a number
    assert r.status == 202
    s = await (await client.get(f"{dev['base']}/state", headers=m2x(dev["key"]))).json()
    assert s["value"] == "3"
    r = await client.get(f"{dev['base']}/state/sampling?interval=10", headers=m2x(dev["key"]))
    assert r.status == 422


async def test_device_updates_and_update(client, dev):
    r = await client.post(f"/v2/devices/{dev['id']}/updates", headers=m2x(dev["key"]), json={
        "values": {"temp": [{"timestamp": ts(1), "value": 20}, {"timestamp": ts(2), "value": 21}],
                   "state": [{"timestamp": ts(1), "value": "idle"}]},
        "location": {"latitude": 1, "longitude": 2}})
    assert r.status == 202 and await r.json() == {"status": "accepted"}
    before = await position(client)
    r = await client.post(f"/v2/devices/{dev['id']}/update", headers=m2x(dev["key"]),
                          json={"timestamp": ts(5), "values": {"temp": 25, "state": "busy"}})
    assert r.status == 202
    assert await position(client) == before + 1  # one batch, one event
    temp = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert [(v["timestamp"], v["value"]) for v in temp["values"]] == [(ts(5), 25.0), (ts(2), 21.0), (ts(1), 20.0)]
    state = await (await client.get(f"{dev['base']}/state", headers=m2x(dev["key"]))).json()
    assert state["value"] == "busy"


async def test_put_value_defaults_to_server_time_and_creates_the_stream(client, dev):
    r = await client.put(f"{dev['base']}/fresh/value", json={"value": 7}, headers=m2x(dev["key"]))
    assert r.status == 202
    s = await (await client.get(f"{dev['base']}/fresh", headers=m2x(dev["key"]))).json()
    assert s["type"] == "numeric" and s["value"] == 7.0 and s["latest_value_at"].startswith("20")


async def test_delete_range(client, dev):
    await post(client, dev, "temp", [(i, float(i)) for i in range(6)])
    r = await client.delete(f"{dev['base']}/temp/values", json={"from": ts(1), "end": ts(3)}, headers=m2x(dev["key"]))
    assert r.status == 204
    body = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == [5.0, 4.0, 0.0]
    r = await client.delete(f"{dev['base']}/temp/values", json={"from": ts(1)}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"end": ["not_present"]}


async def test_sampling_buckets_aligned_to_the_epoch(client, dev):
    # 00:00:00, 00:00:05 -> bucket 00:00:00; 00:00:10 (on the edge) and 00:00:19.5 -> bucket 00:00:10
    await post(client, dev, "temp", [(0, 1.0), (5, 3.0), (10, 10.0), (19.5, 20.0), (40, 7.0)])
    url = f"{dev['base']}/temp/sampling"
    expect = {"avg": [7.0, 15.0, 2.0], "sum": [7.0, 30.0, 4.0], "min": [7.0, 10.0, 1.0], "max": [7.0, 20.0, 3.0],
              "count": [1.0, 2.0, 2.0], "stddev": [0.0, 5.0, 1.0]}
    for kind, values in expect.items():
        body = await (await client.get(f"{url}?type={kind}&interval=10", headers=m2x(dev["key"]))).json()
        assert [v["value"] for v in body["values"]] == values, kind
        assert [v["timestamp"] for v in body["values"]] == [ts(40), ts(10), ts(0)]
        assert body["interval"] == 10 and body["type"] == kind
    body = await (await client.get(f"{url}?type=nth&interval=2", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == [7.0, 10.0, 1.0]
    body = await (await client.get(f"{url}?interval=10&min=2&limit=1", headers=m2x(dev["key"]))).json()
    assert body["values"] == [{"timestamp": ts(40), "value": 7.0}]
    for bad, field in (("type=median&interval=1", "type"), ("type=avg", "interval"), ("interval=0", "interval"),
                       ("type=nth&interval=1.5", "interval"), ("interval=x", "interval")):
        r = await client.get(f"{url}?{bad}", headers=m2x(dev["key"]))
        assert r.status == 422 and field in (await r.json())["errors"], bad


async def test_stats_from_query_or_json_body(client, dev):
    await post(client, dev, "temp", [(1, 2.0), (2, 4.0), (3, 6.0)])
    body = await (await client.get(f"{dev['base']}/temp/stats", headers=m2x(dev["key"]))).json()
    assert body["stats"] == {"count": 3.0, "min": 2.0, "max": 6.0, "avg": 4.0, "stddev": pytest.approx(1.632993161855452)}
    r = await client.get(f"{dev['base']}/temp/stats", json={"start": ts(2)}, headers=m2x(dev["key"]))
    assert (await r.json())["stats"]["count"] == 2.0
    body = await (await client.get(f"{dev['base']}/temp/stats?start={ts(100)}", headers=m2x(dev["key"]))).json()
    assert body["stats"] == {"count": 0.0, "min": None, "max": None, "avg": None, "stddev": None}


async def test_device_key_limited_to_its_device_and_stream(client, dev):
    other = await new_device(client, dev["key"], name="other")
    r = await post(client, dev, "temp", [(1, 1.0)], key=dev["device_key"])
    assert r.status == 202
    r = await client.get(f"/v2/devices/{other['id']}/streams", headers=m2x(dev["device_key"]))
    assert r.status == 403 and (await r.json())["message"] == "Forbidden"
    r = await client.post("/v2/keys", json={"device": dev["id"], "stream": "temp", "permissions": ["GET", "POST"]},
                          headers=m2x(dev["key"]))
    assert r.status == 201
    stream_key = (await r.json())["key"]
    assert (await post(client, dev, "temp", [(2, 2.0)], key=stream_key)).status == 202
    assert (await post(client, dev, "state", [(2, "x")], key=stream_key)).status == 403
    r = await client.post(f"/v2/devices/{dev['id']}/update", headers=m2x(stream_key),
                          json={"values": {"temp": 1, "state": "y"}})
    assert r.status == 403
    r = await client.get(f"{dev['base']}/temp/values", headers=m2x(stream_key))
    assert r.status == 200
    r = await client.post("/v2/keys", json={"device": dev["id"], "permissions": ["GET"]}, headers=m2x(dev["key"]))
    read_only = (await r.json())["key"]
    assert (await post(client, dev, "temp", [(3, 3.0)], key=read_only)).status == 403
    assert (await client.get(f"{dev['base']}/temp/values", headers=m2x(read_only))).status == 200


# -- refused input: the dialect's 4xx naming the field, and nothing stored -------------------------

GOOD = {"timestamp": "2024-01-01T00:00:00Z", "value": 1}
BAD_VALUES = [
    ({"values": [GOOD, {"timestamp": "2024-01-01T00:00:01Z", "value": "warm"}]}, "values[1].value", "not_numeric"),
    ({"values": [GOOD, {"timestamp": "yesterday", "value": 1}]}, "values[1].timestamp", "invalid"),
    ({"values": [{"timestamp": "1969-12-31T23:59:59Z", "value": 1}]}, "values[0].timestamp", "out_of_range"),
    ({"values": [{"timestamp": "2400-01-01T00:00:00Z", "value": 1}]}, "values[0].timestamp", "out_of_range"),
    ({"values": [{"value": 1}]}, "values[0].timestamp", "not_present"),
    ({"values": [{"timestamp": "2024-01-01T00:00:00Z"}]}, "values[0].value", "not_present"),
    ({"values": [GOOD, {"timestamp": "2024-01-01T00:00:01Z", "value": True}]}, "values[1].value", "invalid"),
    ({"values": [{"timestamp": "2024-01-01T00:00:01Z", "value": "NaN"}]}, "values[0].value", "not_finite"),
    ({"values": []}, "values", "not_present"),
    ({}, "values", "not_present"),
    ({"values": [GOOD] * 10_001}, "values", "too_many"),
]


@pytest.mark.parametrize("body,field,reason", BAD_VALUES)
async def test_bad_values_are_refused_whole(client, dev, body, field, reason):
    before = await position(client)
    r = await client.post(f"{dev['base']}/temp/values", json=body, headers=m2x(dev["key"]))
    assert r.status == 422, await r.text()
    assert await r.json() == {"message": "Validation Failed", "errors": {field: [reason]}}
    assert await position(client) == before


@pytest.mark.parametrize("bad,reason", [("warm", "not_numeric"), ("NaN", "not_finite"), ("1e400", "not_finite"),
                                        ("-inf", "not_finite"), ("", "not_numeric")])
async def test_long_batches_are_checked_value_by_value(client, dev, bad, reason):
    """A batch long enough to be read as one array is refused as a short one is, naming the
    value; numbers sent as strings and as integers are read as numbers."""
    values = [{"timestamp": ts(i), "value": [float(i), i, f" {i}.5 "][i % 3]} for i in range(300)]
    r = await client.post(f"{dev['base']}/temp/values", json={"values": values}, headers=m2x(dev["key"]))
    assert r.status == 202, await r.text()
    got = await (await client.get(f"{dev['base']}/temp/values?limit=300", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in reversed(got["values"])] == [[float(i), float(i), i + 0.5][i % 3] for i in range(300)]
    before = await position(client)
    values[150]["value"] = bad
    r = await client.post(f"{dev['base']}/temp/values", json={"values": values}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"values[150].value": [reason]}
    assert await position(client) == before


async def test_short_batches_with_numeric_strings_join_the_points_waiting(client, dev):
    """Short batches wait in lists for the next read; one with a number sent as a string joins
    them as numbers (it once joined as an array, which a list added to element by element)."""
    for points in ([(1, 1.0), (2, 2.0), (3, 3.0)], [(4, 4.0), (5, "5.5"), (6, 6.0)], [(7, 7)], [(8, " 8.25 ")]):
        assert (await post(client, dev, "temp", points)).status == 202
    r = await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))
    assert r.status == 200, await r.text()
    assert [v["value"] for v in reversed((await r.json())["values"])] == [1.0, 2.0, 3.0, 4.0, 5.5, 6.0, 7.0, 8.25]


async def test_sums_beyond_the_largest_float_are_not_infinities(client, dev):
    """Values each finite whose sum overflows are accepted, short batch or long, without a warning."""
    for n in (3, 150):
        values = [{"timestamp": ts(i), "value": 1e308} for i in range(n)]
        r = await client.post(f"{dev['base']}/temp/values", json={"values": values}, headers=m2x(dev["key"]))
        assert r.status == 202, await r.text()


@pytest.mark.parametrize("raw,field", [
    (b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":NaN}]}', "values[0].value"),
    (b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":Infinity}]}', "values[0].value"),
    (b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":1e400}]}', "values[0].value"),
    (b'{"values":[{"timestamp":"2024-01-01T00:00:00Z","value":' + b"9" * 400 + b"}]}", "values[0].value"),
])
async def test_nan_and_infinity_are_refused(client, dev, raw, field):
    """Python's json module writes NaN and Infinity as bare words; they are named and refused."""
    before = await position(client)
    r = await client.post(f"{dev['base']}/temp/values", data=raw,
                          headers={**m2x(dev["key"]), "Content-Type": "application/json"})
    assert r.status == 422 and (await r.json())["errors"] == {field: ["not_finite"]}
    assert await position(client) == before


async def test_bad_updates_are_refused_whole(client, dev):
    before = await position(client)
    url = f"/v2/devices/{dev['id']}/updates"
    cases = [
        ({"values": {"temp": [GOOD], "nope": [GOOD]}}, "values.nope", "not_found"),
        ({"values": {"temp": [GOOD, {"timestamp": "2024-01-01T00:00:01Z", "value": "hot"}]}}, "values.temp[1].value",
         "not_numeric"),
        ({"values": {"temp": [GOOD], "state": []}}, "values.state", "not_present"),
        ({"values": {}}, "values", "not_present"),
        ({"values": [GOOD]}, "values", "invalid"),
    ]
    for body, field, reason in cases:
        r = await client.post(url, json=body, headers=m2x(dev["key"]))
        assert r.status == 422, body
        assert (await r.json())["errors"] == {field: [reason]}, body
    r = await client.post(f"/v2/devices/{dev['id']}/update", json={"timestamp": "soon", "values": {"temp": 1}},
                          headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"timestamp": ["invalid"]}
    r = await client.post(f"/v2/devices/{dev['id']}/update", json={"values": {"temp": "x"}}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"values.temp": ["not_numeric"]}
    assert await position(client) == before
    empty = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert empty["values"] == []


async def test_bad_names_and_malformed_bodies(client, dev):
    before = await position(client)
    r = await client.put(f"{dev['base']}/bad%20name", json={}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"name": ["invalid"]}
    r = await client.put(f"{dev['base']}/bad%20name/value", json={"value": 1}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"name": ["invalid"]}
    r = await client.post(f"{dev['base']}/temp/values", data=b"{not json",
                          headers={**m2x(dev["key"]), "Content-Type": "application/json"})
    assert r.status == 400 and set(await r.json()) == {"message", "description"}
    r = await client.put(f"{dev['base']}/temp/value", json={"value": 1, "timestamp": 12}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"timestamp": ["invalid"]}
    assert await position(client) == before


async def test_unknown_or_missing_key_is_401(client, dev):
    for headers in ({}, m2x("0" * 32)):
        r = await client.get(f"{dev['base']}/temp/values", headers=headers)
        assert r.status == 401 and (await r.json())["message"] == "Unauthorized"


async def test_lenient_timestamps(client, dev):
    """Naive times are UTC; a space may separate date and time (the python client's query form)."""
    r = await client.post(f"{dev['base']}/temp/values", headers=m2x(dev["key"]), json={"values": [
        {"timestamp": "2024-01-01 00:00:01.500000", "value": 1}, {"timestamp": "2024-01-01T01:00:00+01:00", "value": 2}]})
    assert r.status == 202
    body = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert [v["timestamp"] for v in body["values"]] == ["2024-01-01T00:00:01.500Z", "2024-01-01T00:00:00.000Z"]


async def test_a_bad_time_quoting_range_is_invalid_not_out_of_range(client, dev):
    """The reason comes from what was wrong, not from the words of the message (which quotes the
    input): ``strange`` contains "range" and is still just invalid."""
    r = await client.get(f"{dev['base']}/temp/values?start=strange", headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"start": ["invalid"]}
    r = await client.get(f"{dev['base']}/temp/values?start=1900-01-01T00:00:00Z", headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"start": ["out_of_range"]}
    before = await position(client)
    r = await client.post(f"{dev['base']}/temp/values", headers=m2x(dev["key"]),
                          json={"values": [{"timestamp": "out of range", "value": 1}]})
    assert r.status == 422 and (await r.json())["errors"] == {"values[0].timestamp": ["invalid"]}
    r = await client.put(f"{dev['base']}/temp/value", json={"value": 1, "timestamp": "strange"},
                         headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"timestamp": ["invalid"]}
    assert await position(client) == before


@pytest.mark.parametrize("bad,reason", [
    ("2024-02-30T00:00:00.000Z", "invalid"),  # no such day, in the layout of the others
    ("1969-12-31T23:59:59.999Z", "out_of_range"),
    ("2024-01-01T00:00:00.000+24:00", "invalid"),
    ("yesterday at noon", "invalid"),
])
async def test_long_lists_name_the_bad_timestamp(client, dev, bad, reason):
    """Lists of 100 values and more are read all at once; a bad one among them is still named."""
    values = [{"timestamp": ts(i), "value": float(i)} for i in range(150)]
    values[123]["timestamp"] = bad
    before = await position(client)
    r = await client.post(f"{dev['base']}/temp/values", json={"values": values}, headers=m2x(dev["key"]))
    assert r.status == 422 and (await r.json())["errors"] == {"values[123].timestamp": [reason]}
    assert await position(client) == before


async def test_long_lists_in_mixed_layouts(client, dev):
    """Milliseconds and Z, microseconds and an offset, no fraction, a naive time (UTC), all in one
    list of 200: every point lands at its instant."""
    spellings = [lambda s: s, lambda s: s[:-1] + "000+00:00", lambda s: s[:19] + "Z", lambda s: s[:-1]]
    values = [{"timestamp": spellings[i % 4](ts(i + (i % 2) * 0.25)), "value": float(i)} for i in range(200)]
    r = await client.post(f"{dev['base']}/temp/values", json={"values": values}, headers=m2x(dev["key"]))
    assert r.status == 202, await r.text()
    body = await (await client.get(f"{dev['base']}/temp/values?limit=1000", headers=m2x(dev["key"]))).json()
    expected = [ts(i + (i % 2) * 0.25) if i % 4 != 2 else ts(i)[:19] + ".000Z" for i in reversed(range(200))]
    assert [v["timestamp"] for v in body["values"]] == expected
    assert [v["value"] for v in body["values"]] == [float(i) for i in reversed(range(200))]


@pytest.mark.parametrize("n", [2, 150])  # one by one, and all at once
async def test_times_are_kept_to_the_millisecond(client, dev, n):
    """Reads print milliseconds, so times are stored floored to them: two writes within one
    millisecond are one timestamp (the later wins), and a window of that millisecond finds it."""
    values = [{"timestamp": f"2025-11-14T10:00:{i // 1000:02d}.{i % 1000:03d}100Z", "value": 1.0} for i in range(n - 1)]
    values.append({"timestamp": f"2025-11-14T10:00:{(n - 2) // 1000:02d}.{(n - 2) % 1000:03d}900Z", "value": 2.0})
    r = await client.post(f"{dev['base']}/temp/values", headers=m2x(dev["key"]), json={"values": values})
    assert r.status == 202
    last = f"2025-11-14T10:00:{(n - 2) // 1000:02d}.{(n - 2) % 1000:03d}Z"
    body = await (await client.get(f"{dev['base']}/temp/values?start={last}&end={last}", headers=m2x(dev["key"]))).json()
    assert [(v["timestamp"], v["value"]) for v in body["values"]] == [(last, 2.0)]
    body = await (await client.get(f"{dev['base']}/temp/values?limit=1000", headers=m2x(dev["key"]))).json()
    assert len(body["values"]) == n - 1



async def test_a_point_is_found_and_deleted_by_the_time_it_was_written_at(client, dev):
    at = "2025-11-14T10:00:00.000700Z"  # kept as .000
    await client.post(f"{dev['base']}/temp/values", headers=m2x(dev["key"]), json={"values": [{"timestamp": at, "value": 3}]})
    body = await (await client.get(f"{dev['base']}/temp/values?start={at}&end={at}", headers=m2x(dev["key"]))).json()
    assert [v["value"] for v in body["values"]] == [3.0]
    r = await client.delete(f"{dev['base']}/temp/values", headers=m2x(dev["key"]), json={"from": at, "end": at})
    assert r.status == 204
    body = await (await client.get(f"{dev['base']}/temp/values", headers=m2x(dev["key"]))).json()
    assert body["values"] == []


async def test_end_not_given_is_now_as_the_answer_says(client, dev):
    """Without `end` the window ends now, the `end` each answer echoes: a point stamped in the
    future is listed, sampled and counted once `end` reaches it."""
    import time
    from app.times import iso, parse_iso

    future = iso(time.time() + 3600)
    r = await client.post(f"{dev['base']}/temp/values", headers=m2x(dev["key"]),
                          json={"values": [{"timestamp": ts(1), "value": 1.0}, {"timestamp": future, "value": 2.0}]})
    assert r.status == 202
    h = m2x(dev["key"])
    for path, picked in (("values", lambda b: [v["value"] for v in b["values"]]),
                         ("sampling?type=count&interval=60", lambda b: [v["value"] for v in b["values"]]),
                         ("stats", lambda b: [b["stats"]["count"]])):
        sep = "&" if "?" in path else "?"
        before = time.time()
        body = await (await client.get(f"{dev['base']}/temp/{path}", headers=h)).json()
        assert picked(body) == [1.0], path
        assert before - 1 <= parse_iso(body["end"], "end") <= time.time() + 1, path
        later = await (await client.get(f"{dev['base']}/temp/{path}{sep}end={iso(time.time() + 7200)}", headers=h)).json()
        assert picked(later) == ([2.0, 1.0] if path == "values" else [1.0, 1.0] if path.startswith("sampling") else [2.0]), path
    r = await client.get(f"{dev['base']}/temp/values?start={future}", headers=h)
    assert r.status == 422 and (await r.json())["errors"]["end"] == ["invalid"]


async def test_integer_parameters_take_ascii_digits_only(client, dev):
    """int() also reads full-width and Arabic-Indic digits; a query integer is ASCII digits, in
    every dialect (Librato's paging already said so)."""
    for raw in ("%EF%BC%91%EF%BC%90", "%D9%A3"):  # "１０", "٣"
        r = await client.get(f"{dev['base']}/temp/values?limit={raw}", headers=m2x(dev["key"]))
        assert r.status == 422 and "limit" in (await r.json())["errors"], raw
