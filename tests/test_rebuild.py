"""Rebuilding every projection from zero gives exactly the live state, and so does restoring a
checkpoint and folding the rest."""

from __future__ import annotations

from typing import Any

from app.http import RUNTIME
from projections import registry
from projections.runner import Projector
from tests.conftest import ADMIN, make_org_key
from tests import workload


async def test_rebuild_from_zero_equals_live_state(client: Any) -> None:
    await workload.run(client)
    rt = client.app[RUNTIME]
    live = rt.projector.state()
    assert live["accounts"]["orgs"], "the workload should have created something"
    empty = [name for name, view in live.items() if not any(view.values())] if all(
        isinstance(v, dict) for v in live.values()) else []
    assert empty == [], f"the workload leaves these views empty, so their rebuild is not tested: {empty}"

    fresh = Projector(registry.build())
    await fresh.build(rt.store, use_checkpoint=False)
    assert fresh.position == rt.projector.position == await rt.store.head()
    assert fresh.state() == live


async def test_checkpoint_plus_tail_equals_live_state(client: Any) -> None:
    await workload.run(client)
    rt = client.app[RUNTIME]
    await rt.store.save_checkpoint(rt.projector.snapshot())
    await make_org_key(client, "after-the-checkpoint")  # events the checkpoint does not hold

    restored = Projector(registry.build())
    folded = await restored.build(rt.store)
    assert 0 < folded < rt.projector.position  # it really started from the checkpoint
    assert restored.state() == rt.projector.state()


async def test_a_checkpoint_that_does_not_match_the_log_is_ignored(client: Any) -> None:
    rt = client.app[RUNTIME]
    snap = rt.projector.snapshot()
    from events.store import Checkpoint
    await rt.store.save_checkpoint(Checkpoint(snap.name, snap.position, b"not the hash", snap.state))
    r = await client.post("/admin/orgs", json={"name": "x"}, headers=ADMIN)
    assert r.status == 201
    restored = Projector(registry.build())
    assert await restored.build(rt.store) == rt.projector.position  # folded everything from zero
    assert restored.state() == rt.projector.state()
