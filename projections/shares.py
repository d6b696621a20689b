"""Shares as they stand now (view ``shares``): token → share in O(1), so every public request
resolves its token with one dict lookup, and a revocation is seen by the very next request.

Revoked shares leave the view (their token is never reused: its stream exists). Whether the
target still exists is checked against the charts and dashboards views at each request, so a
deleted chart or dashboard closes its shares without an event of its own.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import shares as ev
from events.base import Envelope, Event
from events.charts import Scalar


class Share(msgspec.Struct, kw_only=True):
    token: str
    org_id: int
    dialect: str
    target_kind: str
    target_id: int
    enabled: bool = True
    settings: dict[str, Scalar] = {}
    expires_at: int | None = None
    version: int = 1  # the share stream's version
    created_at: int = 0  # microseconds since the epoch
    revoked: bool = False

    def live(self, now_us: int) -> bool:
        return self.enabled and not self.revoked and (self.expires_at is None or now_us < self.expires_at)


def evolve_share(state: Share | None, e: Event, at: int) -> Share | None:
    match e:
        case ev.ShareCreated():
            return Share(token=e.token, org_id=e.org_id, dialect=e.dialect, target_kind=e.target_kind,
                         target_id=e.target_id, enabled=e.enabled, settings=dict(e.settings),
                         expires_at=e.expires_at, created_at=at)
        case ev.ShareRevoked() if state:
            return msgspec.structs.replace(state, revoked=True, version=state.version + 1)
    return state


class SharesState(msgspec.Struct):
    shares: dict[str, Share] = {}


class Shares:
    """The ``shares`` view."""

    name = "shares"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, SharesState) if data else SharesState()

    def dump(self) -> SharesState:
        return SharesState(dict(sorted(self.state.shares.items())))

    def handlers(self) -> dict[type[Event], Any]:
        return {t: self._apply for t in ev.EVENTS}

    def _apply(self, env: Envelope, e: Any) -> None:
        share = evolve_share(self.state.shares.get(e.token), e, env.recorded_at)
        if share is None:
            return
        if share.revoked:
            self.state.shares.pop(share.token, None)
        else:
            self.state.shares[share.token] = share

    # -- queries -----------------------------------------------------------------------------

    def get(self, token: str) -> Share | None:
        """Any organization's share by token (the public path), or None once revoked."""
        return self.state.shares.get(token)

    def list(self, org_id: int, dialect: str) -> list[Share]:
        return [s for s in self.state.shares.values() if s.org_id == org_id and s.dialect == dialect]

