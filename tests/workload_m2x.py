"""The M2X step of the shared workload (tests/workload.py): devices, streams of both types,
values in and out of order with replacements, a deleted range, updates, keys, deletions."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_org_key


async def m2x(client: Any) -> None:
    made = await make_org_key(client, "m2x-co", email="m2x@m2x.example")
    h = {"X-M2X-KEY": made["key"]}
    r = await client.post("/v2/devices", json={"name": "boiler", "serial": "B-1", "tags": "a,b"}, headers=h)
    dev = (await r.json())["id"]
    gone = (await (await client.post("/v2/devices", json={"name": "gone"}, headers=h)).json())["id"]
    base = f"/v2/devices/{dev}/streams"
    await client.put(f"{base}/temp", json={"unit": {"label": "C", "symbol": "C"}}, headers=h)
    await client.put(f"{base}/mode", json={"type": "alphanumeric"}, headers=h)
    await client.put(f"/v2/devices/{gone}/streams/x/value", json={"value": 1}, headers=h)

    def values(seconds: list[int], offset: float = 0.0) -> dict[str, Any]:
        return {"values": [{"timestamp": f"2024-01-01T00:{s // 60:02d}:{s % 60:02d}Z", "value": s + offset}
                           for s in seconds]}
    await client.post(f"{base}/temp/values", json=values([0, 10, 20, 30]), headers=h)
    await client.post(f"{base}/temp/values", json=values([5, 20, 40], 0.5), headers=h)  # out of order, a replacement
    await client.post(f"/v2/devices/{dev}/updates", headers=h, json={
        "values": {"temp": [{"timestamp": "2024-01-01T01:00:00Z", "value": 7}],
                   "mode": [{"timestamp": "2024-01-01T01:00:00Z", "value": "on"},
                            {"timestamp": "2024-01-01T00:30:00Z", "value": "off"}]}})
    await client.delete(f"{base}/temp/values", json={"from": "2024-01-01T00:00:09Z", "end": "2024-01-01T00:00:21Z"},
                        headers=h)
    # long batches (the ingest's arrays, not lists): in order, then one overlapping them with
    # replacements, a value sent as a numeric string, and a new stream made by its first batch
    await client.post(f"{base}/temp/values", json=values(list(range(100, 400))), headers=h)
    late = values(list(range(350, 500)) + [120, 121], 0.25)
    late["values"][3]["value"] = "353.5"
    await client.post(f"{base}/temp/values", json=late, headers=h)
    await client.post(f"{base}/fresh/values", json=values(list(range(0, 3000, 20))), headers=h)
    await client.put(f"/v2/devices/{dev}", json={"description": "basement"}, headers=h)
    r = await client.post("/v2/keys", json={"device": dev, "stream": "temp"}, headers=h)
    key = (await r.json())["key"]
    await client.post(f"/v2/keys/{key}/regenerate", headers=h)
    await client.delete(f"/v2/devices/{gone}", headers=h)
