"""Plain factories for the M2X chart tests (no tests here): devices, streams and values made
through the M2X API, as a user would."""

from __future__ import annotations

import struct
from typing import Any

from app.times import iso
from tests.conftest import position  # noqa: F401 - the chart tests import it from here


def m2x(key: str) -> dict[str, str]:
    return {"X-M2X-KEY": key, "Content-Type": "application/json"}


async def make_device(client: Any, key: str, name: str = "Thermo", streams: dict[str, str | None] | None = None) -> str:
    """A device with numeric streams (name -> unit symbol); returns its id."""
    r = await client.post("/v2/devices", json={"name": name, "visibility": "private"}, headers=m2x(key))
    assert r.status == 201, await r.text()
    device_id = (await r.json())["id"]
    for stream, symbol in (streams if streams is not None else {"temperature": "C"}).items():
        body: dict[str, Any] = {"type": "numeric"}
        if symbol:
            body["unit"] = {"label": stream, "symbol": symbol}
        r = await client.put(f"/v2/devices/{device_id}/streams/{stream}", json=body, headers=m2x(key))
        assert r.status in (200, 201, 204), await r.text()
    return str(device_id)


async def post_values(client: Any, key: str, device: str, stream: str, points: list[tuple[float, float]]) -> None:
    for i in range(0, len(points), 5000):
        values = [{"timestamp": iso(t), "value": v} for t, v in points[i:i + 5000]]
        r = await client.post(f"/v2/devices/{device}/streams/{stream}/values", json={"values": values},
                              headers=m2x(key))
        assert r.status == 202, await r.text()


async def make_chart(client: Any, key: str, series: list[tuple[str, str]], name: str = "Chart") -> dict[str, Any]:
    r = await client.post("/v2/charts", headers=m2x(key),
                          json={"name": name, "series": [{"device": d, "stream": s} for d, s in series]})
    assert r.status == 201, await r.text()
    return await r.json()  # type: ignore[no-any-return]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
