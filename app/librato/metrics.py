"""Librato measurements: ``POST /v1/metrics`` (gauges and counters by source), ``POST /v1/measurements``
(tagged), and reading them back. (Being written: routes land in the next commits.)"""

from __future__ import annotations

from app.librato.routing import routes  # noqa: F401
