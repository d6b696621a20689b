"""What a server process or a CLI command holds while it works on a data directory: the
event store, the projector folding it, and the one way to append (with id allocation)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from app.config import Config
from events import series as series_events
from events.base import Envelope, Pending
from events.errors import ConcurrencyError, StaleView
from events.sqlite import SqliteEventStore
from projections.runner import Projector
from projections import registry

log = logging.getLogger("broadsheet.runtime")


STARTUP_CHECKPOINT_DELAY = 2.0  # seconds
CHECKED_ATTEMPTS = 5  # runs of a command whose checks another process's appends made stale
T = TypeVar("T")


class _Checked:
    """A command under way (see ``Runtime.checked``): the position of the views it started
    checking against, and whether it has appended yet."""

    __slots__ = ("seen", "appended")

    def __init__(self, seen: int) -> None:
        self.seen = seen
        self.appended = False


_CHECKED: contextvars.ContextVar[_Checked | None] = contextvars.ContextVar("checked", default=None)


class Runtime:
    def __init__(self, config: Config, store: SqliteEventStore, projector: Projector,
                 clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.projector = projector
        self.clock = clock
        self._next_ids: dict[str, int] = {}
        self._saved_at = projector.restored_from
        self._tasks: list[asyncio.Task[None]] = []
        self._saving: asyncio.Task[None] | None = None
        self._later: asyncio.TimerHandle | None = None
        self.diverged = False  # a projection failed on an event: views are not to be saved
        self.chain = "unchecked"  # the log's hash chain, as the check at start found it (start_verifying)
        self.chain_break: int | None = None  # the first position it found broken

    @classmethod
    async def open(cls, config: Config, *, clock: Callable[[], float] = time.time) -> Runtime:
        store = await SqliteEventStore.open(config.db_path, clock=clock)
        # No command checks points: another process's ingest does not make a command stale.
        store.unchecked_types = frozenset(t.__struct_config__.tag for t in series_events.EVENTS)
        projector = Projector(registry.build())
        folded = await projector.build(store)
        log.info("projections at position %d (%d events folded at start)", projector.position, folded)
        rt = cls(config, store, projector, clock)
        store.listen(rt._on_events, projector.position)
        # A long replay at start is worth saving soon, but after the server answers: taking the
        # snapshot holds the loop for a moment (0.7 s for a 1,000,000-event log).
        rt._later = asyncio.get_running_loop().call_later(STARTUP_CHECKPOINT_DELAY, rt._maybe_checkpoint)
        return rt

    def __getitem__(self, name: str) -> Any:
        return self.projector[name]

    def now(self) -> float:
        return self.clock()

    # -- writing -----------------------------------------------------------------------------

    async def append(self, batches: Sequence[Pending], *, actor: str, request_id: str = "") -> list[Envelope]:
        """Append atomically; when this returns, every projection already shows the events.
        Within ``checked``, refused with ``StaleView`` if another process appended events
        the command's checks did not see."""
        state = _CHECKED.get()
        if state is None:
            return await self.store.append(batches, actor=actor, request_id=request_id)
        envs = await self.store.append(batches, actor=actor, request_id=request_id, seen=state.seen)
        # ``seen`` stays where the command began: checks made before this append may back
        # the next one too (a command that appends twice is run again whole, or refused)
        state.appended = True
        return envs

    async def checked(self, command: Callable[[], Awaitable[T]], *, rerun_after_append: bool = False) -> T:
        """Run a command that checks the views, then appends: a web request, a CLI command.

        Another process (the CLI, or the server for the CLI) may append between the check and
        the append, and this process's views have its events only at the next look. The store
        refuses an append checked against views that lack them (``StaleView``), having handed
        those events to the views; the command then runs again, if it has appended nothing yet
        (or, ``rerun_after_append``, if running it again only does what is left to do), and
        checks again. Otherwise it gets the ``StaleView`` (a conflict). Events no command checks
        (points) do not count (``store.unchecked_types``)."""
        for attempt in range(CHECKED_ATTEMPTS):
            state = _Checked(self.projector.position)
            token = _CHECKED.set(state)
            try:
                return await command()
            except StaleView:
                if (state.appended and not rerun_after_append) or attempt == CHECKED_ATTEMPTS - 1:
                    raise
                log.info("another process appended meanwhile; checking the command again")
            finally:
                _CHECKED.reset(token)
        raise AssertionError("unreachable")

    async def create(self, kind: str, build: Callable[[int], Sequence[Pending]], *, actor: str,
                     request_id: str = "") -> tuple[int, list[Envelope]]:
        """Create a new ``KIND-N`` entity with the next free integer id. ``build(n)`` gives the
        batches to append; the first must be the new stream at expected version 0, so an id
        taken meanwhile by another process is a conflict, and the next id is tried."""
        for _ in range(50):
            n = max(self._next_ids.get(kind, 0), self.projector.max_ids.get(kind, 0)) + 1
            self._next_ids[kind] = n
            try:
                return n, await self.append(build(n), actor=actor, request_id=request_id)
            except ConcurrencyError as exc:
                if exc.stream != f"{kind}-{n}":
                    raise
        raise ConcurrencyError(f"{kind}-?", 0, -1)

    def _on_events(self, envs: list[Envelope]) -> None:
        try:
            self.projector.apply(envs)
        except Exception:  # noqa: BLE001 - a projection's bug: the events are in the log all the same
            # The views now lack (part of) these events. Saving them in a checkpoint would make
            # that permanent; without one, the next start folds these events again.
            self.diverged = True
            log.exception("a projection failed on events %d..%d; no more checkpoints until a restart",
                          envs[0].position, envs[-1].position)
            return
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        if self.diverged:
            return
        if self.projector.position - self._saved_at >= self.config.checkpoint_every and self._saving is None:
            self._saving = asyncio.get_running_loop().create_task(self._checkpoint())

    # -- background work -------------------------------------------------------------------

    def start_tailing(self) -> None:
        """Pick up what other processes (the CLI) append to the same log."""
        self._tasks.append(asyncio.get_running_loop().create_task(self._tail(), name="tail"))

    def start_verifying(self) -> None:
        """Check the whole hash chain once, in the background: the views were built from a
        checkpoint, or from events, that a changed log no longer matches. A break is logged as
        an error and shown by /healthz; the server goes on serving (the log is the evidence)."""
        self._tasks.append(asyncio.get_running_loop().create_task(self._verify(), name="verify"))

    async def _verify(self) -> None:
        self.chain = "checking"
        try:
            breaks = await self.store.verify()
        except Exception:  # noqa: BLE001 - a failed check is no verdict
            self.chain = "unchecked"
            log.exception("checking the event log's hash chain failed")
            return
        if breaks:
            self.chain, self.chain_break = "broken", breaks[0].position
            log.error("the event log's hash chain is broken: %d problem(s), the first at position %d (%s); "
                      "what is served may not be what was recorded: run `broadsheet verify`",
                      len(breaks), breaks[0].position, breaks[0].problem)
        else:
            self.chain = "ok"

    async def _tail(self) -> None:
        while True:
            await asyncio.sleep(self.config.tail_interval)
            try:
                await self.store.poll()
            except Exception:  # noqa: BLE001 - keep tailing; the next poll retries
                log.exception("tailing the event log failed")

    async def _checkpoint(self) -> None:
        try:
            cp = self.projector.snapshot()
            await self.store.save_checkpoint(cp)
            self._saved_at = cp.position
            log.info("checkpoint saved at position %d (%d bytes)", cp.position, len(cp.state))
        finally:
            self._saving = None

    async def close(self, *, checkpoint: bool = True) -> None:
        """Stop tailing, let queued appends commit, save a checkpoint (if asked), close."""
        if self._later is not None:
            self._later.cancel()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._saving is not None:
            await self._saving
        await self.store.close_writes()
        if checkpoint and self.projector.position > self._saved_at and not self.diverged:
            await self._checkpoint()
        await self.store.close()
