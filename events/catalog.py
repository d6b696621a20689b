"""Every event type the log may hold, and the one encoder/decoder pair for them.

Each aggregate module lists its payloads in ``EVENTS``; new modules are added to ``_MODULES``.
Decoding is by tag, so old events decode into the same classes forever.

Payloads are MessagePack: points are floats, and binary floats decode several times faster than
decimal text, which is most of what a replay of an ingest-heavy log costs. The audit shows
events as JSON.
"""

from __future__ import annotations

from types import ModuleType
from typing import Union

import msgspec

from events import accounts, charts, dashboards, metrics, series, devices
from events import jobs, shares, snapshots
from events.base import Event

_MODULES: list[ModuleType] = [accounts, charts, dashboards, series, metrics, devices]
_MODULES += [shares, snapshots, jobs]


def _check_tags(types: tuple[type[Event], ...]) -> None:
    """Every payload type names its own permanent tag, and no two share one."""
    seen: set[str] = set()
    for t in types:
        tag = t.__struct_config__.tag
        if not isinstance(tag, str):
            raise TypeError(f"{t.__name__} needs an explicit tag")
        if tag in seen:
            raise TypeError(f"duplicate event tag {tag!r}")
        seen.add(tag)


_TYPES: tuple[type[Event], ...] = tuple(t for m in _MODULES for t in m.EVENTS)
_check_tags(_TYPES)
_encoder = msgspec.msgpack.Encoder()
_batch_decoder: msgspec.msgpack.Decoder[list[Event]] = msgspec.msgpack.Decoder(list[Union[_TYPES]])  # type: ignore[valid-type]


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_concat(payloads: bytes, count: int) -> list[Event]:
    """Decode ``count`` payloads stored back to back in one bytes object, in one call: a
    MessagePack array header, then the payloads as they are."""
    return _batch_decoder.decode(b"\xdd" + count.to_bytes(4, "big") + payloads)


def decode_many(payloads: list[bytes]) -> list[Event]:
    return decode_concat(b"".join(payloads), len(payloads))
