"""Plain factory functions for the sharing tests: a Librato-authenticated organization, points,
an instrument, a dashboard, and a look at the log head."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import make_org_key, position


async def librato_org(client: Any, name: str = "acme", **kw: Any) -> dict[str, str]:
    made = await make_org_key(client, name, **kw)
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


head = position  # the log's head (tests.conftest.position)


async def points(client: Any, auth: dict[str, str], t0: float, values: list[float], *, metric: str = "cpu",
                 source: str = "web-1", step: float = 60) -> None:
    gauges = [{"name": metric, "source": source, "value": v, "measure_time": int(t0 + i * step)}
              for i, v in enumerate(values)]
    r = await client.post("/v1/metrics", headers=auth, json={"gauges": gauges})
    assert r.status < 300, await r.text()


async def instrument(client: Any, auth: dict[str, str], name: str = "CPU <load> & \"more\"",
                     metric: str = "cpu") -> dict[str, Any]:
    r = await client.post("/v1/instruments", headers=auth, json={
        "name": name, "streams": [{"metric": metric, "source": "*", "color": "#2680c2"}]})
    assert r.status == 201, await r.text()
    return await r.json()  # type: ignore[no-any-return]


async def dashboard(client: Any, auth: dict[str, str], instrument_ids: list[int], name: str = "Ops") -> dict[str, Any]:
    r = await client.post("/v1/dashboards", headers=auth, json={"name": name, "instruments": instrument_ids})
    assert r.status == 201, await r.text()
    return await r.json()  # type: ignore[no-any-return]


async def token(client: Any, auth: dict[str, str], entity_type: str, entity_id: int) -> dict[str, Any]:
    r = await client.post("/v1/charts", headers=auth, json={"entity_type": entity_type, "entity_id": entity_id})
    assert r.status == 201, await r.text()
    return await r.json()  # type: ignore[no-any-return]
