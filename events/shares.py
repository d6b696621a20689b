"""Shares: grants of public access to a chart or a dashboard (and later a snapshot), each
reached by a token in its dialect's format. Stream: ``share-<token>``.

The token is the stream id, so the store's unique ``(stream, version)`` key makes a token
unique: a create appends at expected version 0, and a token drawn twice is a conflict that the
command answers by drawing another. The token is stored in clear: it is an address that the
owning dialect lists back to its users (Librato ``GET /v1/charts``), not a credential that
proves who someone is; a share's optional passwords (PostHog) would be stored hashed.
"""

from __future__ import annotations

from events.base import Event
from events.charts import Scalar


class ShareCreated(Event, frozen=True, tag="share.created"):
    token: str
    org_id: int
    dialect: str  # whose token format and listing it belongs to: "librato"
    target_kind: str  # chart | dashboard | snapshot
    target_id: int
    enabled: bool = True
    settings: dict[str, Scalar] = {}  # time selection, theme, ... (none for Librato tokens)
    expires_at: int | None = None  # microseconds since the epoch; None: never


class ShareRevoked(Event, frozen=True, tag="share.revoked"):
    """Public access through this token ends; the target itself is untouched."""

    token: str


EVENTS = (ShareCreated, ShareRevoked)
