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
    assert len(live["series"]["numeric"]) == 2 and len(live["series"]["texts"]) == 1  # temp, fresh; mode
    assert len(live["devices"]["devices"]) == 1  # the other was deleted, with its points
    fresh = Projector(registry.build())
    await fresh.build(rt.store, use_checkpoint=False)
    assert fresh.state() == live
    device = next(iter(rt["devices"].state.devices.values()))
    t, v = fresh["series"].window(device.org_id, device.id, "temp", 0, 1e10)
    at = dict(zip((t - 1_704_067_200).tolist(), v.tolist()))  # seconds into 2024
    assert v[:4].tolist() == [0.0, 5.5, 30.0, 40.5]  # 10 and 20 (replaced by 20.5) fell in the deleted range
    assert (at[100], at[120], at[122], at[349], at[350], at[353], at[499], at[3600]) == (
        100.0, 120.25, 122.0, 349.0, 350.25, 353.5, 499.25, 7.0)
    assert len(v) == 4 + 400 + 1
