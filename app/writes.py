"""Writes of one organization, in an order someone could have sent them one at a time.

A command reads the views (does the device exist? is the serial free? is the metric there?),
then appends its events, then reads the views again. Two requests in the same commit group
could each pass their checks before either was folded: a stream created on a device being
deleted, ten devices with one serial, an update answered 404 whose event was stored anyway.

So every request that may write holds its organization's lock from before its handler reads
anything until its events are folded. The organization is that of every key the request
presents, in any dialect's way, so that no way of presenting one escapes the lock. The body is
read before the lock is taken: a client that sends it slowly holds up nobody else.

- **exclusive** for what changes configuration (devices, streams, keys, metrics' definitions,
  spaces, charts, instruments, dashboards, shares; organizations and users via /admin, whose
  key belongs to the operator organization). These run one at a time per organization.
- **shared** for ingest (points and measurements), which only add to series. Ingest runs
  alongside other ingest and still shares commits, but never alongside an exclusive write of
  its organization: a deleted stream's points cannot come back from a write that raced it.

Exclusive requests go first: once one waits, new shared ones wait behind it. Reads take no lock.
Admin requests hold the operator organization's lock; one acting on another organization runs
alongside that organization's own writes, as one sent just before or after them would (a
device and its key are one append, so no such interleaving leaves one without the other).
Another process writing to the same log (the CLI) cannot take these locks. Instead, the
handler runs under ``Runtime.checked``: its appends carry the log position its checks read the
views at, and if the other process appended since (anything but points), the store refuses
them and the request is checked and run again on views that have those events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

from aiohttp import web

from app import auth
from app.errors import DomainError
from app.http import RUNTIME, read_body

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SharedExclusive:
    """A readers-writer lock for the event loop, fair to writers (see the module docstring)."""

    __slots__ = ("readers", "writer", "queue")

    def __init__(self) -> None:
        self.readers = 0
        self.writer = False
        self.queue: deque[tuple[bool, asyncio.Future[None]]] = deque()  # (exclusive, granted)

    def _free_for(self, exclusive: bool) -> bool:
        return not self.writer and (self.readers == 0 if exclusive else True)

    async def acquire(self, exclusive: bool) -> None:
        if not self.queue and self._free_for(exclusive):
            self._take(exclusive)
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append((exclusive, granted))
        try:
            await granted  # _grant took the lock for us
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():  # granted, then cancelled: give it back
                self.release(exclusive)
            else:  # gone from the queue: those behind it may go now
                self._grant()
            raise

    def release(self, exclusive: bool) -> None:
        if exclusive:
            self.writer = False
        else:
            self.readers -= 1
        self._grant()

    @contextlib.asynccontextmanager
    async def hold(self, exclusive: bool) -> AsyncIterator[None]:
        await self.acquire(exclusive)
        try:
            yield
        finally:
            self.release(exclusive)

    def _take(self, exclusive: bool) -> None:
        if exclusive:
            self.writer = True
        else:
            self.readers += 1

    def _grant(self) -> None:
        """Hand the lock to the waiters at the head of the queue, in order: one exclusive, or
        every shared one up to the next exclusive."""
        queue = self.queue
        while queue:
            exclusive, granted = queue[0]
            if granted.done():  # its request was cancelled while waiting
                queue.popleft()
                continue
            if not self._free_for(exclusive):
                return
            queue.popleft()
            self._take(exclusive)
            granted.set_result(None)
            if exclusive:
                return

    def idle(self) -> bool:
        return not self.readers and not self.writer and not self.queue


class OrgWrites:
    """One SharedExclusive per organization, made when first needed; and exclusive locks by any
    other key, for what ingest, which holds its organization's lock shared, must still do one
    at a time (making a device's missing streams)."""

    def __init__(self) -> None:
        self._locks: dict[int, SharedExclusive] = {}
        self._keyed: dict[Hashable, SharedExclusive] = {}

    async def acquire(self, org_ids: set[int], *, exclusive: bool) -> list[SharedExclusive]:
        """Every organization's lock, in ascending order (so two holders never wait on each
        other); what was taken, for ``release``. Plain calls, not a context manager: this is
        on every write's path."""
        taken: list[SharedExclusive] = []
        try:
            for org_id in sorted(org_ids):
                lock = self._locks.get(org_id)
                if lock is None:
                    lock = self._locks[org_id] = SharedExclusive()
                await lock.acquire(exclusive)
                taken.append(lock)
        except BaseException:
            self.release(taken, exclusive=exclusive)
            raise
        return taken

    @staticmethod
    def release(taken: list[SharedExclusive], *, exclusive: bool) -> None:
        for lock in reversed(taken):
            lock.release(exclusive)

    @contextlib.asynccontextmanager
    async def alone(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._keyed.get(key)
        if lock is None:
            lock = self._keyed[key] = SharedExclusive()
        try:
            async with lock.hold(True):
                yield
        finally:
            if lock.idle() and self._keyed.get(key) is lock:
                del self._keyed[key]


def ingest(handler: Handler) -> Handler:
    """Mark a route's handler as ingest: it holds its organization's lock shared."""
    handler.ingest = True  # type: ignore[attr-defined]
    return handler


def _orgs_of_keys(request: web.Request) -> set[int]:
    """The organizations of every key the request presents, in any dialect's way (X-M2X-KEY,
    Bearer, the password of Basic), read as the handlers read them. Whichever one its handler
    then uses, its organization is among these; unknown keys are left out (the handler answers
    401 as usual)."""
    raws = [request.headers.get("X-M2X-KEY"), auth.bearer_token(request)]
    try:
        credentials = auth.basic_credentials(request)
    except DomainError:
        credentials = None
    if credentials:
        raws.append(credentials[1])
    accounts = request.app[RUNTIME]["accounts"]
    keys = (auth.known_key(accounts, raw) for raw in raws)
    # only live keys of live organizations: any other is refused before anything is written
    return {key.org_id for key in keys if key is not None and key.enabled and accounts.is_live(key.org_id)}


@web.middleware
async def org_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in ("GET", "HEAD", "OPTIONS") or request.match_info.http_exception is not None:
        return await handler(request)  # reads, and paths or methods that lead nowhere (404, 405)
    orgs = _orgs_of_keys(request)
    if not orgs:
        return await handler(request)
    # the body first, outside the lock: a client sending it slowly holds up only itself
    await read_body(request)
    exclusive = not getattr(request.match_info.handler, "ingest", False)
    writes = request.app[WRITES]
    taken = await writes.acquire(orgs, exclusive=exclusive)
    try:
        # checked: a write checked against views that lack another process's appends (a key
        # the CLI disabled a moment ago) is run again on views that have them
        return await request.app[RUNTIME].checked(lambda: handler(request))
    finally:
        writes.release(taken, exclusive=exclusive)


WRITES: web.AppKey[OrgWrites] = web.AppKey("writes", OrgWrites)
