"""Group commit, the part that is not SQL: an append request waiting in the queue, and the
staging of a group of them (versions checked, positions, chain hashes, envelopes).

Store-independent and free of I/O, so that another store (PostgreSQL is planned) stages the
same way and the chain reads the same whatever wrote it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from events import catalog
from events.base import Envelope, Pending, tag_of
from events.errors import ConcurrencyError, Unstorable

_sha256 = hashlib.sha256


def chain_hash(prev: bytes, position: int, stream: str, version: int, type_: str,
               recorded_at: int, actor: str, request_id: str, payload: bytes) -> bytes:
    """The hash that links an event to its predecessor: any change to either shows."""
    head = "%d\x1f%s\x1f%d\x1f%s\x1f%d\x1f%s\x1f%s\x1f" % (position, stream, version, type_, recorded_at, actor, request_id)
    return _sha256(prev + head.encode() + payload).digest()


_tags: dict[type, str] = {}


def _tag(event: Any) -> str:
    cls = type(event)
    tag = _tags.get(cls)
    if tag is None:
        tag = _tags[cls] = tag_of(event)
    return tag


class Plan(NamedTuple):
    tail: tuple[int, bytes]
    now: int
    new_streams: set[str]
    rows: list[tuple[Any, ...]]
    staged: list[tuple[Any, Any]]
    versions: dict[str, int]


def conflict(req: AppendRequest, versions: dict[str, int]) -> ConcurrencyError | None:
    seen: dict[str, int] = {}
    for batch in req.batches:
        current = seen.get(batch.stream, versions[batch.stream])
        if batch.expected_version is not None and batch.expected_version != current:
            return ConcurrencyError(batch.stream, batch.expected_version, current)
        seen[batch.stream] = current + len(batch.events)
    return None


def stage(group: list[AppendRequest], tail: tuple[int, bytes], now: int,
           versions: dict[str, int]) -> tuple[list[tuple[Any, ...]], list[tuple[AppendRequest, Any]]]:
    """The rows to insert and, per request, its envelopes or its conflict. ``versions`` (the
    current version of every stream in the group) is advanced as requests are accepted."""
    position, prev = tail
    rows: list[tuple[Any, ...]] = []
    staged: list[tuple[AppendRequest, Any]] = []
    for req in group:
        clash = conflict(req, versions)
        if clash is not None:
            staged.append((req, clash))
            continue
        envs: list[Envelope] = []
        actor, rid = req.actor, req.request_id
        for batch, payloads in zip(req.batches, req.payloads):
            stream, version = batch.stream, versions[batch.stream]
            for event, payload in zip(batch.events, payloads):
                position += 1
                version += 1
                tag = _tag(event)
                digest = chain_hash(prev, position, stream, version, tag, now, actor, rid, payload)
                rows.append((position, stream, version, tag, now, actor, rid, payload, prev, digest))
                envs.append(Envelope(position=position, stream=stream, version=version, type=tag, recorded_at=now,
                                     actor=actor, request_id=rid, event=event, prev_hash=prev, hash=digest))
                prev = digest
            versions[stream] = version
        staged.append((req, envs))
    return rows, staged


class AppendRequest:
    __slots__ = ("batches", "payloads", "actor", "request_id", "future", "size", "seen")

    def __init__(self, batches: Sequence[Pending], actor: str, request_id: str,
                 future: asyncio.Future[list[Envelope]], seen: int | None = None) -> None:
        self.batches = batches
        try:  # here, in the caller's append: what cannot be stored fails this request alone
            self.payloads = [[_encode(e) for e in b.events] for b in batches]
            for text in (actor, request_id, *(b.stream for b in batches)):
                text.encode()  # they go into the chain hash as UTF-8
        except UnicodeEncodeError:
            raise Unstorable("the request holds text that is not valid Unicode (a lone surrogate)") from None
        except OverflowError:
            raise Unstorable("the request holds an integer too large to store (beyond 64 bits)") from None
        self.size = sum(map(len, self.payloads))
        if not self.size or not all(self.payloads):
            raise ValueError("append needs at least one event in every batch")
        self.actor = actor
        self.request_id = request_id
        self.future = future
        self.seen = seen  # checked against views of the log up to here (None: not checked)


_encode = catalog.encode
