"""The list of every projection the server keeps. New views are added here."""

from __future__ import annotations

from projections.accounts import Accounts
from projections.charts import Charts
from projections.dashboards import Dashboards
from projections.runner import Projection
from projections.series import Series
from projections.devices import Devices
from projections.metrics import Metrics
from projections import jobs, shares, snapshots


def build() -> list[Projection]:
    return [Accounts(), Charts(), Dashboards(), Series(), Metrics(), Devices(), shares.Shares(), snapshots.Snapshots(), jobs.Jobs()]
