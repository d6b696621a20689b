"""The event store's interface. SQLite is the embedded default; a PostgreSQL store will follow.

Everything above this module speaks only these types: it never sees SQL or a driver exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

import msgspec

from events.base import Envelope, Event, Pending, Recorded


class EventFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What the audit asks of the log. Every field narrows; None means any."""

    stream: str | None = None
    stream_prefix: str | None = None
    actor: str | None = None
    type: str | None = None
    since_us: int | None = None  # recorded_at >= since
    until_us: int | None = None  # recorded_at < until
    after: int = 0  # position > after
    up_to: int | None = None  # position <= up_to


class Checkpoint(msgspec.Struct, frozen=True):
    name: str
    position: int
    hash: bytes
    state: bytes


class ReplayBatch(msgspec.Struct, frozen=True, gc=False):
    """Consecutive events for the projections: ``recorded[i]`` says where ``events[i]`` sits;
    ``hash`` is the hash of the last one."""

    recorded: list[Recorded]
    events: list[Event]
    hash: bytes


class ChainBreak(msgspec.Struct, frozen=True):
    position: int
    problem: str


class EventStore(Protocol):
    async def append(
        self, batches: Sequence[Pending], *, actor: str, request_id: str, seen: int | None = None
    ) -> list[Envelope]:
        """Append the batches atomically (all or none), each checked against its expected
        version. Returns the stored envelopes once they are durable. ``seen``: the position up
        to which the views the caller checked had been given events; if another process has
        appended events after it (of a type not in ``unchecked_types``), ``StaleView``."""
        ...

    async def read(self, after: int = 0, limit: int = 10_000) -> list[Envelope]:
        """Events with position > after, in order."""
        ...

    def replay(self, after: int = 0) -> AsyncIterator[ReplayBatch]:
        """All events after a position, in order and in batches, for the projections (which
        read of an envelope only what ``Recorded`` holds)."""
        ...

    async def query(self, flt: EventFilter, limit: int = 100) -> list[Envelope]:
        """Events matching ``flt``, in order; at most ``limit`` (a negative limit: all)."""
        ...

    async def read_stream(self, stream: str, up_to: int | None = None) -> list[Envelope]: ...

    async def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        ...

    async def hash_at(self, position: int) -> bytes | None: ...

    async def verify(self) -> list[ChainBreak]: ...

    async def save_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    async def load_checkpoint(self, name: str) -> Checkpoint | None: ...

    def listen(self, listener: Callable[[list[Envelope]], None], after: int) -> None:
        """Hand every event after ``after`` to ``listener`` once, in order: this process's
        appends right after they commit, other processes' appends at the next ``poll``."""
        ...

    async def poll(self) -> int: ...

    async def close_writes(self) -> None:
        """Refuse new appends; return once every queued append is committed."""
        ...

    async def close(self) -> None: ...
