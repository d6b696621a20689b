"""Every event type the log may hold, and the one encoder/decoder pair for them.

Each aggregate module lists its payloads in ``EVENTS``; new modules are added to ``_MODULES``.
Decoding is by tag, so old events decode into the same classes forever.

Payloads are MessagePack: points are floats, and binary floats decode several times faster than
decimal text, which is most of what a replay of an ingest-heavy log costs. The audit shows
events as JSON.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Union

import msgspec

from events import accounts, charts, dashboards, metrics, series, devices
from events import jobs, shares, snapshots
from events.base import Event

_MODULES: list[ModuleType] = [accounts, charts, dashboards, series, metrics, devices]
_MODULES += [shares, snapshots, jobs]


def all_event_types() -> tuple[type[Event], ...]:
    return tuple(t for m in _MODULES for t in m.EVENTS)


_encoder = msgspec.msgpack.Encoder()
_decoder: msgspec.msgpack.Decoder[Any]
_batch_decoder: msgspec.msgpack.Decoder[Any]
_by_tag: dict[str, type[Event]] = {}


def _rebuild() -> None:
    global _decoder, _batch_decoder
    types = all_event_types()
    _by_tag.clear()
    for t in types:
        tag = t.__struct_config__.tag
        if not isinstance(tag, str):
            raise TypeError(f"{t.__name__} needs an explicit tag")
        if tag in _by_tag:
            raise TypeError(f"duplicate event tag {tag!r}")
        _by_tag[tag] = t
    _decoder = msgspec.msgpack.Decoder(Union[types])  # type: ignore[valid-type]
    _batch_decoder = msgspec.msgpack.Decoder(list[Union[types]])  # type: ignore[valid-type]


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(payload: bytes) -> Event:
    return _decoder.decode(payload)  # type: ignore[no-any-return]


def decode_many(payloads: list[bytes]) -> list[Event]:
    """Decode a batch in one call: a MessagePack array header, then the payloads as they are."""
    return _batch_decoder.decode(b"\xdd" + len(payloads).to_bytes(4, "big") + b"".join(payloads))  # type: ignore[no-any-return]


def decode_concat(payloads: bytes, count: int) -> list[Event]:
    """Decode ``count`` payloads stored back to back in one bytes object."""
    return _batch_decoder.decode(b"\xdd" + count.to_bytes(4, "big") + payloads)  # type: ignore[no-any-return]


_rebuild()
