"""Writes of one organization, in an order someone could have sent them one at a time.

A command reads the views (does the device exist? is the serial free? is the metric there?),
then appends its events, then reads the views again. Two requests in the same commit group
could each pass their checks before either was folded: a stream created on a device being
deleted, ten devices with one serial, an update answered 404 whose event was stored anyway.

So every request that may write holds its organization's lock from before its handler reads
anything until its events are folded:

- **exclusive** for what changes configuration (devices, streams, keys, metrics' definitions,
  spaces, charts, instruments, dashboards, shares; organizations and users via /admin, whose
  key belongs to the operator organization). These run one at a time per organization.
- **shared** for ingest (points and measurements), which only add to series. Ingest runs
  alongside other ingest and still shares commits, but never alongside an exclusive write of
  its organization: a deleted stream's points cannot come back from a write that raced it.

Exclusive requests go first: once one waits, new shared ones wait behind it. Reads take no lock.
Another process writing to the same log (the CLI) is not covered; its appends carry their own
checks against the log, and it serves people at a keyboard, not racing clients.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from app import auth
from app.accounts import hash_key
from app.errors import DomainError
from app.http import RUNTIME

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

    @contextlib.asynccontextmanager
    async def hold(self, exclusive: bool) -> AsyncIterator[None]:
        if not self.queue and self._free_for(exclusive):
            self._take(exclusive)
        else:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.queue.append((exclusive, granted))
            try:
                await granted  # _grant took the lock for us
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():  # granted, then cancelled: give it back
                    self._release(exclusive)
                raise
        try:
            yield
        finally:
            self._release(exclusive)

    def _take(self, exclusive: bool) -> None:
        if exclusive:
            self.writer = True
        else:
            self.readers += 1

    def _release(self, exclusive: bool) -> None:
        if exclusive:
            self.writer = False
        else:
            self.readers -= 1
        self._grant()

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
    """One SharedExclusive per organization, made when first needed."""

    def __init__(self) -> None:
        self._locks: dict[int, SharedExclusive] = {}

    @contextlib.asynccontextmanager
    async def hold(self, org_id: int, *, exclusive: bool) -> AsyncIterator[None]:
        lock = self._locks.get(org_id)
        if lock is None:
            lock = self._locks[org_id] = SharedExclusive()
        async with lock.hold(exclusive):
            yield


def ingest(handler: Handler) -> Handler:
    """Mark a route's handler as ingest: it holds its organization's lock shared."""
    handler.ingest = True  # type: ignore[attr-defined]
    return handler


def _org_of_key(request: web.Request) -> int | None:
    """The organization of the key the request presents, in whichever dialect's way; None when
    there is none or it is unknown (the handler then answers 401 as usual)."""
    raw = request.headers.get("X-M2X-KEY") or auth.bearer_token(request)
    if raw is None:
        try:
            credentials = auth.basic_credentials(request)
        except DomainError:
            return None
        raw = credentials[1] if credentials else None
    if not raw:
        return None
    key = request.app[RUNTIME]["accounts"].key_by_hash(hash_key(raw))
    return key.org_id if key is not None else None


@web.middleware
async def org_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return await handler(request)
    org_id = _org_of_key(request)
    if org_id is None:
        return await handler(request)
    exclusive = not getattr(request.match_info.handler, "ingest", False)
    async with request.app[WRITES].hold(org_id, exclusive=exclusive):
        return await handler(request)


WRITES: web.AppKey[OrgWrites] = web.AppKey("writes", OrgWrites)
