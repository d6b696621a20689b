"""Every event type the log may hold, and the one encoder/decoder pair for them.

Each aggregate module lists its payloads in ``EVENTS``; new modules are added to ``_MODULES``.
Decoding is by tag, so old events decode into the same classes forever.

Payloads are MessagePack: points are floats, and binary floats decode several times faster than
decimal text, which is most of what a replay of an ingest-heavy log costs. The audit shows
events as JSON.

A freshly ingested batch holds its times and values as float64 numpy arrays (the ingest made
them so, and the series view takes them as they are). They are encoded byte for byte as the
list of floats they hold would be, a MessagePack array of float64, built by numpy instead of
one Python float at a time; decoded, they are lists like any other.
"""

from __future__ import annotations

from types import ModuleType
from typing import Union

import msgspec
import numpy as np

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
# One MessagePack float64: the 0xcb marker, then the float, 8 bytes big-endian. As a packed
# record, numpy writes a whole array of them in two passes (one strided copy of a 2-d byte
# matrix instead costs seven times as much).
_PACKED_FLOAT = np.dtype([("marker", "u1"), ("value", ">f8")])


def _float_array(a: np.ndarray) -> msgspec.Raw:
    """A 1-d float array as the MessagePack array of float64 a list of its floats encodes to
    (msgspec writes every float as float64)."""
    n = len(a)
    head = bytes([0x90 | n]) if n < 16 else (b"\xdc" + n.to_bytes(2, "big") if n < 1 << 16 else b"\xdd" + n.to_bytes(4, "big"))
    items = np.empty(n, _PACKED_FLOAT)
    items["marker"] = 0xCB
    items["value"] = a
    return msgspec.Raw(head + items.tobytes())


def _enc_hook(obj: object) -> object:
    # exactly numpy's own arrays of the floats a float64 holds (a masked array, or long
    # doubles, would not encode as the list they hold)
    if type(obj) is np.ndarray and obj.ndim == 1 and obj.dtype.type in (np.float16, np.float32, np.float64):
        return _float_array(obj)
    raise TypeError(f"Encoding objects of type {type(obj).__name__} is unsupported")  # as msgspec says


_encoder = msgspec.msgpack.Encoder(enc_hook=_enc_hook)
_batch_decoder: msgspec.msgpack.Decoder[list[Event]] = msgspec.msgpack.Decoder(list[Union[_TYPES]])  # type: ignore[valid-type]


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_concat(payloads: bytes, count: int) -> list[Event]:
    """Decode ``count`` payloads stored back to back in one bytes object, in one call: a
    MessagePack array header, then the payloads as they are."""
    return _batch_decoder.decode(b"\xdd" + count.to_bytes(4, "big") + payloads)


def decode_many(payloads: list[bytes]) -> list[Event]:
    return decode_concat(b"".join(payloads), len(payloads))
