"""The Librato views (metrics, and the series they write) rebuild from the log to exactly the live
state, from zero and from a checkpoint, after every kind of Librato write."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from app.http import RUNTIME
from projections import registry
from projections.runner import Projector
from tests.conftest import make_org_key
from tests.test_librato_metrics import T0, basic


async def librato_workload(client: TestClient) -> dict[str, Any]:
    k = await make_org_key(client, "acme")
    h = basic(k)
    calls = [
        ("post", "/v1/metrics", {"source": "a", "gauges": [{"name": "lat", "count": 3, "sum": 6.5, "min": 1, "max": 4,
                                                            "sum_squares": 20, "measure_time": T0 + 0.5},
                                                           {"name": "cpu", "value": 3, "measure_time": T0}],
                                 "counters": {"hits": {"value": 4, "measure_time": T0}}}),
        ("post", "/v1/measurements", {"tags": {"h": "x"}, "time": T0, "measurements": [
            {"name": "lat", "sum": 9, "count": 2}, {"name": "mem", "value": 1, "tags": {"h": "y", "z": "1"}}]}),
        ("put", "/v1/metrics/cpu", {"display_name": "CPU", "attributes": {"color": "#abcdef"}}),
        ("put", "/v1/metrics/made", {"type": "counter", "period": 30}),
        ("post", "/v1/metrics", {"gauges": [{"name": "gone", "value": 1, "source": "s", "measure_time": T0}]}),
        ("delete", "/v1/metrics/gone", None),
        ("post", "/v1/metrics", {"counters": [{"name": "gone", "value": 2, "source": "t", "measure_time": T0}]}),
        ("post", "/v1/metrics", {"gauges": [{"name": "lat", "value": 1, "source": "a", "measure_time": T0 + 0.5}]}),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=h)
        assert r.status < 300, (path, await r.text())
    return k


async def test_librato_views_rebuild_from_zero_and_from_a_checkpoint(client: TestClient) -> None:
    k = await librato_workload(client)
    rt = client.app[RUNTIME]
    live = rt.projector.state()
    assert live["metrics"]["defs"] and live["metrics"]["stats"]

    fresh = Projector(registry.build())
    await fresh.build(rt.store, use_checkpoint=False)
    assert fresh.state() == live

    await rt.store.save_checkpoint(rt.projector.snapshot())
    r = await client.post("/v1/metrics", json={"gauges": [{"name": "late", "count": 2, "sum": 3}]}, headers=basic(k))
    assert r.status == 200
    restored = Projector(registry.build())
    folded = await restored.build(rt.store)
    assert 0 < folded < rt.projector.position
    assert restored.state() == rt.projector.state()
    assert restored["metrics"].get(k["org"]["id"], "gone").type == "counter"
    assert restored["metrics"].sources_of(k["org"]["id"], "gone") == ["t"]
