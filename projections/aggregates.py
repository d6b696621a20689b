"""Which pure fold rebuilds an entity of each stream kind: what ``broadsheet replay`` uses.

A stream id is ``KIND-ID``; each kind maps to the ``evolve(state, event, recorded_at)``
function its projection uses live. A new kind of entity is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projections import accounts, charts, dashboards, devices, jobs, metrics, shares, snapshots

Evolve = Callable[[Any, Any, int], Any]

_EVOLVERS: dict[str, Evolve] = {
    "org": accounts.evolve_org,
    "user": accounts.evolve_user,
    "key": accounts.evolve_key,
    "chart": charts.evolve_chart,
    "device": devices.evolve_device,
    "dashboard": dashboards.evolve_dashboard,
    "metric": metrics.evolve_metric,
    "job": jobs.evolve_job,
    "share": shares.evolve_share,
    "snapshot": snapshots.evolve_snapshot,
}


def evolver(stream: str) -> Evolve | None:
    return _EVOLVERS.get(stream.partition("-")[0])


def kinds() -> list[str]:
    return sorted(_EVOLVERS)
