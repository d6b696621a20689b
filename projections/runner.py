"""The projector: folds the log into every current view, and keeps them moving together.

A view and its position move as one: ``apply`` hands each event to the projections that handle
its type and then advances ``position``. Checkpoints save every view with that position and the
hash of the event at it; on start the checkpoint is used only if the log still holds that very
event, otherwise everything is rebuilt from zero.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import msgspec

from events.base import Envelope, Event, Recorded
from events.store import Checkpoint, EventStore

log = logging.getLogger("broadsheet.projections")

# A handler reads of the envelope only what ``Recorded`` holds: a replay passes just that.
Handler = Callable[[Any, Any], None]
# A run handler folds a run of consecutive events of one type: (recorded, events), same length.
RunHandler = Callable[[Sequence[Any], Sequence[Any]], None]

# Bump when any projection's state layout changes: older checkpoints are then ignored.
CHECKPOINT_FORMAT = 1
CHECKPOINT_NAME = "projections"


class Projection(Protocol):
    name: str

    def handlers(self) -> dict[type[Event], Handler]:
        """Which event types this projection folds, and how: ``handler(envelope, event)``."""
        ...

    # Optional: ``run_handlers() -> dict[type[Event], RunHandler]``, for the hot types of a
    # replay (a type is in one of the two): one call per run of consecutive events of that
    # type instead of one per event.

    def dump(self) -> Any:
        """The state, as something msgspec can encode."""
        ...

    def load(self, data: Any) -> None:
        """Restore from what ``dump`` gave (decoded from msgpack: plain dicts and lists)."""
        ...


def _each(handler: Handler) -> RunHandler:
    def fold_run(recorded: Sequence[Any], events: Sequence[Any]) -> None:
        for rec, ev in zip(recorded, events):
            handler(rec, ev)
    return fold_run


class Projector:
    def __init__(self, projections: Iterable[Projection]) -> None:
        self.projections = {p.name: p for p in projections}
        self.position = 0
        self.hash = b""
        self.restored_from = 0  # the position of the checkpoint the views started from
        self.max_ids: dict[str, int] = {}  # highest integer id seen per stream kind ("org" -> 7)
        # Each projection folds only its own state, so a run of events of one type may be
        # folded projection by projection: the result is the same as event by event.
        self._routes: dict[type[Event], list[RunHandler]] = {}
        for p in self.projections.values():
            runs: dict[type[Event], RunHandler] = p.run_handlers() if hasattr(p, "run_handlers") else {}
            for event_type, handler in p.handlers().items():
                runs.setdefault(event_type, _each(handler))
            for event_type, run in runs.items():
                self._routes.setdefault(event_type, []).append(run)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def __getitem__(self, name: str) -> Any:
        return self.projections[name]

    def apply(self, envs: list[Envelope]) -> None:
        """Fold events in position order; those already folded are skipped."""
        if envs and envs[0].position <= self.position:
            envs = [e for e in envs if e.position > self.position]
        if not envs:
            return
        try:
            self._fold(envs, [e.event for e in envs])
        finally:  # a handler that fails does not stop the position (nor whoever waits on it)
            self.position, self.hash = envs[-1].position, envs[-1].hash
            if self._waiters:
                self._wake()

    def _fold(self, recorded: Sequence[Recorded | Envelope], events: list[Event]) -> None:
        routes, n, i = self._routes, len(events), 0
        while i < n:
            kind, j = type(events[i]), i + 1
            while j < n and type(events[j]) is kind:
                j += 1
            handlers = routes.get(kind)
            if handlers:
                recs, evs = (recorded, events) if j - i == n else (recorded[i:j], events[i:j])
                for handler in handlers:
                    handler(recs, evs)
            i = j
        max_ids = self.max_ids
        for rec in recorded:
            if rec.version == 1:
                kind_, _, ident = rec.stream.partition("-")
                if ident.isascii() and ident.isdigit() and int(ident) > max_ids.get(kind_, 0):
                    max_ids[kind_] = int(ident)

    def _wake(self) -> None:
        still = []
        for pos, fut in self._waiters:
            if pos <= self.position:
                if not fut.done():
                    fut.set_result(None)
            else:
                still.append((pos, fut))
        self._waiters = still

    async def wait(self, position: int, timeout: float = 5.0) -> None:
        """Return once every event up to ``position`` is folded in."""
        if position <= self.position:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((position, fut))
        await asyncio.wait_for(fut, timeout)

    # -- building and checkpoints ------------------------------------------------------------

    async def build(self, store: EventStore, *, use_checkpoint: bool = True) -> int:
        """Bring every view up to the log's head. Returns how many events were folded.

        The cyclic garbage collector is paused meanwhile (a replay allocates millions of
        short-lived objects and no cycles; each collection would walk the growing views), and
        what was built is then frozen out of its sight: views live as long as the process."""
        paused = gc.isenabled()
        gc.disable()
        try:
            if use_checkpoint:
                await self._restore(store)
            folded = 0
            async for batch in store.replay(after=self.position):
                if batch.recorded[0].position <= self.position:
                    raise ValueError(f"replay went back to {batch.recorded[0].position}")
                self._fold(batch.recorded, batch.events)
                self.position, self.hash = batch.recorded[-1].position, batch.hash
                folded += len(batch.events)
        finally:
            if paused:
                gc.enable()
        gc.freeze()
        return folded

    async def _restore(self, store: EventStore) -> None:
        cp = await store.load_checkpoint(CHECKPOINT_NAME)
        if cp is None:
            return
        if await store.hash_at(cp.position) != cp.hash:
            log.warning("checkpoint at %d does not match the log; rebuilding from zero", cp.position)
            return
        try:
            data = msgspec.msgpack.decode(cp.state)
            if data.get("format") != CHECKPOINT_FORMAT:
                return
            for name, state in data["views"].items():
                if name in self.projections:
                    self.projections[name].load(state)
            self.max_ids = dict(data["max_ids"])
        except (msgspec.DecodeError, KeyError, TypeError, ValueError) as exc:
            log.warning("checkpoint unreadable (%s); rebuilding from zero", exc)
            for p in self.projections.values():
                p.load(None)
            self.max_ids = {}
            return
        self.position, self.hash = cp.position, cp.hash
        self.restored_from = cp.position

    def snapshot(self) -> Checkpoint:
        state = {
            "format": CHECKPOINT_FORMAT,
            "views": {name: p.dump() for name, p in self.projections.items()},
            "max_ids": self.max_ids,
        }
        return Checkpoint(CHECKPOINT_NAME, self.position, self.hash, msgspec.msgpack.encode(state))

    def state(self) -> dict[str, Any]:
        """Every view as plain data: what the rebuild-equality test compares."""
        return msgspec.to_builtins({name: p.dump() for name, p in self.projections.items()})
