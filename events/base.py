"""The base of every stored event payload and the envelope that carries it.

Payloads are frozen, keyword-only msgspec Structs. Each concrete payload names its permanent
tag explicitly (``tag="org.created"``); the tag is written into the payload under the key
``"event"`` and also into the envelope's ``type`` column, so the log can be filtered by type
without decoding. Never derive a tag from a class or module name: those may be renamed, the
log may not.
"""

from __future__ import annotations

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", gc=False):
    """Base class of every event payload. Subclasses must set ``tag=``.

    ``gc=False``: payloads never form reference cycles, and keeping millions of them out of the
    cyclic garbage collector's sight doubles the speed of a replay."""


class Envelope(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One event as it sits in the log."""

    position: int  # global, gap-free, starting at 1
    stream: str  # the entity it belongs to, e.g. "org-1", "chart-17"
    version: int  # 1-based version within the stream
    type: str  # the payload's permanent tag
    recorded_at: int  # microseconds since the Unix epoch, set by the store at commit
    actor: str  # who caused it: "key-3", "cli", "system"
    request_id: str
    event: Event
    prev_hash: bytes = b""
    hash: bytes = b""


class Recorded(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """What a fold reads of an envelope: where and when its event was recorded. A replay hands
    these to the projections instead of whole envelopes (an envelope also has them)."""

    position: int
    stream: str
    version: int
    recorded_at: int


class Pending(msgspec.Struct, frozen=True):
    """Events to append to one stream, with the version the caller last saw (None: any)."""

    stream: str
    events: tuple[Event, ...]
    expected_version: int | None = None


def tag_of(event: Event) -> str:
    tag = type(event).__struct_config__.tag
    if not isinstance(tag, str):
        raise TypeError(f"{type(event).__name__} has no explicit string tag")
    return tag
