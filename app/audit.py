"""The auditor's view of the log: events as plain records, filters from user input, and an
entity rebuilt as it stood at a position or a time."""

from __future__ import annotations

from typing import Any

import msgspec

from app.errors import Invalid, NotFound
from app.http import small_int
from app.times import iso_exact, parse_time
from events.base import Envelope
from events.store import EventFilter, EventStore
from projections import aggregates


def record(env: Envelope) -> dict[str, Any]:
    data = msgspec.to_builtins(env.event)
    data.pop("event", None)
    return {
        "position": env.position, "entity": env.stream, "version": env.version, "type": env.type,
        "recorded_at": iso_exact(env.recorded_at), "actor": env.actor, "request_id": env.request_id,
        "data": data, "hash": env.hash.hex(),
    }


async def head(store: EventStore) -> tuple[int, str]:
    """The newest position and its hash (hex): what to keep elsewhere to detect a cut or a
    rewrite later."""
    position = await store.head()
    digest = await store.hash_at(position) if position else None
    return position, (digest or b"").hex()


def to_us(value: str | None, field: str) -> int | None:
    """A time as microseconds since the epoch; None when not given."""
    return None if value in (None, "") else _us(value, field)  # type: ignore[arg-type]


def _us(value: str, field: str) -> int:
    # rounded: a float of a time in microseconds is within a quarter of one of them
    return round(parse_time(value, field) * 1_000_000)


def event_filter(*, entity: str | None = None, actor: str | None = None, type_: str | None = None,
                 since: str | None = None, until: str | None = None, after: int = 0) -> EventFilter:
    prefix = None
    if entity and entity.endswith("-*"):
        entity, prefix = None, entity[:-1]
    elif entity and "-" not in entity:  # a kind alone: every entity of it
        entity, prefix = None, entity + "-"
    return EventFilter(stream=entity or None, stream_prefix=prefix, actor=actor or None, type=type_ or None,
                       since_us=to_us(since, "since"), until_us=to_us(until, "until"), after=after)


async def as_of(store: EventStore, entity: str, at: str) -> tuple[Any, int]:
    """The entity's state as of a log position (an integer) or a time. Returns (state, version)."""
    evolve = aggregates.evolver(entity)
    if evolve is None:
        raise Invalid(f"unknown kind of entity {entity!r}; known: {', '.join(aggregates.kinds())}", field="entity")
    at = at.strip()
    if at.isascii() and at.isdigit():  # a position; beyond any there can be, the head
        position = small_int(at)
        envs = await store.read_stream(entity, up_to=2**62 if position is None else position)
    else:
        until = _us(at, "as_of")
        envs = [e for e in await store.read_stream(entity) if e.recorded_at <= until]
    if not envs:
        raise NotFound(f"{entity} did not exist then", field="entity")
    state = None
    for env in envs:
        state = evolve(state, env.event, env.recorded_at)
    return state, envs[-1].version
