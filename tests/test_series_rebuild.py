"""The series and devices views rebuild from the log exactly as they stand live."""

from __future__ import annotations

from typing import Any

from app.http import RUNTIME
from projections import registry
from projections.runner import Projector
from tests.workload_m2x import m2x


async def test_m2x_workload_rebuilds_to_the_live_state(client: Any) -> None:
    await m2x(client)
    rt = client.app[RUNTIME]
    live = rt.projector.state()
    assert len(live["series"]["numeric"]) == 1 and len(live["series"]["texts"]) == 1
    assert len(live["devices"]["devices"]) == 1  # the other was deleted, with its points
    fresh = Projector(registry.build())
    await fresh.build(rt.store, use_checkpoint=False)
    assert fresh.state() == live
    device = next(iter(rt["devices"].state.devices.values()))
    _, v = fresh["series"].window(device.org_id, device.id, "temp", 0, 1e10)
    assert v.tolist() == [0.0, 5.5, 30.0, 40.5, 7.0]  # 10 and 20 (replaced by 20.5) fell in the deleted range
