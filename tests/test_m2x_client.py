"""The real PyPI client ``m2x==5.5.0``, unchanged, against a live server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from m2x.client import M2XClient

from tests.conftest import live_org_key

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def m2x_client(live_server):
    made = live_org_key(live_server, "acme")
    return M2XClient(key=made["key"], endpoint=live_server.url)


def test_devices_and_streams(m2x_client):
    c = m2x_client
    d = c.create_device(name="boiler", description="basement", visibility="private", serial="SN-9", tags=["a", "b"])
    assert len(d.id) == 32 and d.tags == ["a", "b"]
    assert [x.id for x in c.devices(page=1, limit=10)] == [d.id]
    assert c.device(d.id).name == "boiler"
    assert c.device("serial/SN-9").id == d.id
    d.update(name="kettle", visibility="public")
    assert c.device(d.id).name == "kettle"

    s = d.create_stream("temperature", type="numeric", unit={"label": "Celsius", "symbol": "C"})
    assert s.name == "temperature"
    again = d.create_stream("temperature")  # idempotent create keeps a usable Stream
    assert again.name == "temperature"
    assert d.update_stream("temperature", display_name="Temp")["display_name"] == "Temp"
    assert [x.name for x in d.streams()] == ["temperature"]
    assert d.stream("temperature").unit == {"label": "Celsius", "symbol": "C"}
    s.remove()
    assert d.streams() == []
    d.remove()
    with pytest.raises(requests.exceptions.HTTPError) as err:
        c.device(d.id)
    assert err.value.response.status_code == 404


def test_values_sampling_stats_and_updates(m2x_client):
    c = m2x_client
    d = c.create_device(name="meter", visibility="private")
    s = d.create_stream("power")
    d.create_stream("mode", type="alphanumeric")
    points = [{"timestamp": T0 + timedelta(seconds=i), "value": float(i)} for i in range(30)]
    assert s.post_values(points) == {"status": "accepted"}
    s.add_value(99, timestamp=T0 + timedelta(minutes=5))

    got = s.values(start=T0, end=T0 + timedelta(seconds=9), limit=5)
    assert [v["value"] for v in got["values"]] == [9.0, 8.0, 7.0, 6.0, 5.0]
    assert d.stream("power").value == 99.0

    sampled = s.sampling(10, type="sum", start=T0.isoformat(), end=(T0 + timedelta(seconds=29)).isoformat())
    assert sampled["interval"] == 10
    assert [v["value"] for v in sampled["values"]] == [245.0, 145.0, 45.0]
    assert sampled["values"][0]["timestamp"] == "2024-03-01T12:00:20.000Z"

    stats = s.stats(start=T0.isoformat(), end=(T0 + timedelta(seconds=29)).isoformat())  # a JSON body on GET
    assert stats["stats"]["count"] == 30.0 and stats["stats"]["avg"] == 14.5

    s.delete_values(T0, T0 + timedelta(seconds=19))
    assert len(s.values()["values"]) == 11

    assert d.post_updates(values={"power": [{"timestamp": T0 + timedelta(hours=1), "value": 1}],
                                  "mode": [{"timestamp": T0 + timedelta(hours=1), "value": "eco"}]}) == {"status": "accepted"}
    assert d.post_update(timestamp=T0 + timedelta(hours=2), values={"power": 2, "mode": "boost"}) == {"status": "accepted"}
    assert d.stream("mode").value == "boost"
    assert d.stream("power").value == 2.0

    with pytest.raises(requests.exceptions.HTTPError) as err:
        s.post_values([{"timestamp": T0, "value": "lots"}])
    assert err.value.response.status_code == 422
    assert err.value.response.json()["errors"] == {"values[0].value": ["not_numeric"]}


def test_keys(m2x_client, live_server):
    c = m2x_client
    d = c.create_device(name="gate", visibility="private")
    k = c.create_key(name="ro", permissions=["GET"])
    assert len(k.key) == 32 and c.key(k.key).name == "ro"
    assert "ro" in [x.name for x in c.keys()]
    old = k.key
    k.regenerate()
    assert k.key != old and k.id == k.key
    dk = d.create_key(name="dev", permissions=["GET", "POST", "PUT"])
    assert dk.device.endswith(d.id) and dk.master is False
    assert len(d.keys()) == 2  # the primary device key and this one
    limited = M2XClient(key=dk.key, endpoint=live_server.url)
    limited.device(d.id).create_stream("t").add_value(1)
    other = c.create_device(name="other", visibility="private")
    with pytest.raises(requests.exceptions.HTTPError) as err:
        limited.device(other.id)
    assert err.value.response.status_code == 403
    k.remove()
    with pytest.raises(requests.exceptions.HTTPError) as err:
        c.key(k.key)
    assert err.value.response.status_code == 404


def test_status_and_time(m2x_client):
    c = m2x_client
    assert c.status() == {"api": "OK", "triggers": "OK"}
    assert set(c.time()) == {"seconds", "millis", "iso8601"}
    assert isinstance(c.time_seconds(), int) and isinstance(c.time_millis(), int)
    assert c.time_iso8601().decode().endswith("Z")
