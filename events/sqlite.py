"""The embedded event store: one SQLite file in WAL mode, written through aiosqlite.

Durability: every commit runs with ``synchronous=FULL``, so when ``append`` returns the events
are in the WAL file and fsync'ed; they survive ``kill -9`` of the process and a power cut on a
disk that honours fsync.

Throughput: appends queue up and one writer task commits everything that is waiting in one
``BEGIN IMMEDIATE`` transaction (group commit): one fsync for all of them.

Concurrency: the unique ``(stream, version)`` key is the last line of optimistic concurrency;
versions are checked inside the write transaction, so another process appending to the same
file (the CLI) is seen, never overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import aiosqlite
import msgspec

from events import catalog
from events.base import Envelope, Pending, Recorded
from events.errors import ConcurrencyError, StaleView, StoreClosed, StoreError
from events.staging import AppendRequest, Plan, chain_hash, stage
from events.store import ChainBreak, Checkpoint, EventFilter, ReplayBatch

log = logging.getLogger("broadsheet.store")

Listener = Callable[[list[Envelope]], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    prev_hash   BLOB    NOT NULL,
    hash        BLOB    NOT NULL,
    UNIQUE (stream, version)
);
CREATE INDEX IF NOT EXISTS events_actor ON events (actor, position);
-- No index on recorded_at: the writer keeps it non-decreasing along positions, so a time is
-- turned into a position by binary search on the primary key (an index cost a third of the
-- append throughput).
DROP INDEX IF EXISTS events_time;
CREATE TABLE IF NOT EXISTS checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    hash     BLOB    NOT NULL,
    state    BLOB    NOT NULL
);
"""
_TAIL = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
_COLUMNS = "position, stream, version, type, recorded_at, actor, request_id, payload, prev_hash, hash"
_ROW = "(?,?,?,?,?,?,?,?,?,?)"
_ROWS_PER_STATEMENT = 1_000  # 10,000 parameters: far below SQLite's limit of 32,766
# Replay: one query per batch aggregates the rows in SQL (see ``replay``), in position order.
# A batch holds at most _REPLAY_MOST events and, unless one event alone is larger, at most
# _REPLAY_BYTES of payload: SQLite is told to build no longer string (SQLITE_LIMIT_LENGTH), and
# a batch it refuses is asked again with fewer events. A decoded batch stays small.
_REPLAY_SQL = """
SELECT payloads, recorded, n, last, (SELECT hash FROM events WHERE position = last) FROM (
    SELECT CAST(group_concat(payload, '') AS BLOB) AS payloads, count(*) AS n, max(position) AS last,
           CAST(json_group_array(json_array(position, stream, version, recorded_at)) AS BLOB) AS recorded
    FROM (SELECT position, stream, version, recorded_at, payload FROM events
          WHERE position > ? ORDER BY position LIMIT ?))
"""
_REPLAY_MOST = 20_000
_REPLAY_BYTES = 8 * 1024 * 1024
_recorded = msgspec.json.Decoder(list[Recorded])


def _replay_batch(conn: sqlite3.Connection, after: int, limit: int) -> tuple[Any, ...]:
    """The batch after ``after``, and how many events to ask for next time."""
    most = conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _REPLAY_BYTES)
    try:
        while True:
            try:
                row = conn.execute(_REPLAY_SQL, (after, limit)).fetchone()
                break
            except sqlite3.DataError:  # longer than _REPLAY_BYTES
                if limit == 1:  # one event alone: as large as it is
                    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, most)
                    row = conn.execute(_REPLAY_SQL, (after, 1)).fetchone()
                    break
                limit = max(1, limit // 4)
    finally:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, most)
    small = row[0] is None or len(row[0]) < _REPLAY_BYTES // 2
    return (*row, min(_REPLAY_MOST, limit * 2) if small else limit)


_MAX_GROUP = 5_000  # events per transaction; more waits for the next one
_QUEUE_LIMIT = 20_000  # pending append requests before callers wait for room
# The connection threads need the GIL a few times per transaction or replay batch (to bind,
# after each step, to hand the result over) while the event loop is busy: at Python's default
# 5 ms switch interval each such take can wait 5 ms, longer than the SQL itself. Opening a store
# lowers the process's interval to this (seconds); measured in scripts/bench_events.py.
_SWITCH_INTERVAL = 0.0005


def _envelopes(rows: list[Any]) -> list[Envelope]:
    events = catalog.decode_many([r[7] for r in rows])
    return [Envelope(position=r[0], stream=r[1], version=r[2], type=r[3], recorded_at=r[4], actor=r[5],
                     request_id=r[6], event=e, prev_hash=r[8], hash=r[9]) for r, e in zip(rows, events)]


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert with one statement per 1,000 rows, not one per row: sqlite3 releases and retakes
    the GIL around every statement step, and each retake waits for the busy event loop."""
    for i in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[i:i + _ROWS_PER_STATEMENT]
        conn.execute(f"INSERT INTO events ({_COLUMNS}) VALUES " + ",".join([_ROW] * len(chunk)),
                     [value for row in chunk for value in row])


def _load_versions(conn: sqlite3.Connection, streams: set[str]) -> dict[str, int]:
    """The current version of each stream, from the log (0: no such stream)."""
    versions: dict[str, int] = {}
    listed = list(streams)
    for i in range(0, len(listed), 500):
        chunk = listed[i:i + 500]
        marks = ",".join("?" * len(chunk))
        found = dict(conn.execute(
            f"SELECT stream, MAX(version) FROM events WHERE stream IN ({marks}) GROUP BY stream", chunk).fetchall())
        versions.update((s, found.get(s, 0)) for s in chunk)
    return versions


_BEYOND = 2**62  # a position, count or time no log reaches, and SQLite can still hold


def _storable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _first_at(conn: sqlite3.Connection, us: int) -> int:
    lo, hi = 1, conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()[0] + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = conn.execute("SELECT recorded_at FROM events WHERE position >= ? ORDER BY position LIMIT 1", (mid,)).fetchone()
        if row and row[0] >= us:
            hi = mid
        else:
            lo = mid + 1
    return lo


class Committed(NamedTuple):
    """What a transaction did: per request its envelopes or conflict, events of other
    processes to dispatch first, and the state it leaves. ``as_planned``: the loop's staging
    stood; ``foreign``: another process had written."""

    staged: list[tuple[AppendRequest, Any]]
    missed: list[Envelope]
    tail: tuple[int, bytes]
    versions: dict[str, int]
    now: int
    as_planned: bool
    foreign: bool


class _InFlight(NamedTuple):
    group: list[AppendRequest]
    txn: asyncio.Future[Committed]
    size: int


class SqliteEventStore:
    """See the module docstring. Open with ``await SqliteEventStore.open(path)``."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection,
                 clock: Callable[[], float]) -> None:
        self.path = path
        self._w = writer
        self._r = reader
        self._clock = clock
        self._pending: deque[AppendRequest] = deque()
        self._wakeup = asyncio.Event()  # set when _pending has work or the store is closing
        self._room = asyncio.Event()  # set while _pending is below _QUEUE_LIMIT
        self._room.set()
        self._lock = asyncio.Lock()  # one writer transaction or dispatch at a time
        self._waiting = 0  # events in _pending
        self._inflight: deque[_InFlight] = deque()  # submitted to the thread, in order
        self._holding = False  # the write loop holds _lock (while groups are in flight)
        self._others = 0  # poll and checkpoints waiting for _lock: the write loop makes way
        # What the next group is staged against: the stream versions, tail (position, hash) and
        # time that the groups before it leave once committed; _known is False while unsure.
        self._versions: dict[str, int] = {}
        self._tail = (0, b"")
        self._last_us = 0
        self._known = True
        self._thread_tail = (0, b"")  # in the connection thread: the tail its last commit left
        self._foreign_upto = 0  # in the connection thread: the newest event another process wrote
        # Types of events no check reads (set by the owner: points of series): another process's
        # events of these types do not make an append checked before them stale.
        self.unchecked_types: frozenset[str] = frozenset()
        self._listener: Listener | None = None
        self._dispatched = 0
        self._closing = False
        self._writer_task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], float] = time.time) -> SqliteEventStore:
        path = Path(path)
        if sys.getswitchinterval() > _SWITCH_INTERVAL:
            sys.setswitchinterval(_SWITCH_INTERVAL)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path)
            await writer.executescript(_SCHEMA)
            reader = await _connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open event log {path}: {exc}") from exc
        store = cls(path, writer, reader, clock)
        rows = list(await writer.execute_fetchall(
            _TAIL))
        if rows:
            store._tail, store._last_us = (rows[0][0], rows[0][1]), rows[0][2]
            store._thread_tail = store._tail
        store._writer_task = asyncio.create_task(store._write_loop(), name="event-writer")
        return store

    # -- writing ---------------------------------------------------------------------------

    async def append(self, batches: Sequence[Pending], *, actor: str, request_id: str = "",
                     seen: int | None = None) -> list[Envelope]:
        """See ``EventStore.append``. ``seen``: the position of the log up to which the views
        this append was checked against had been given events (by ``listen``). If another
        process appended events after it, they were not checked against: ``StaleView``."""
        if self._closing:
            raise StoreClosed("the event store is closing")
        while len(self._pending) >= _QUEUE_LIMIT:
            self._room.clear()
            await self._room.wait()
        req = AppendRequest(batches, actor, request_id, self._loop.create_future(), seen)
        self._pending.append(req)
        self._waiting += req.size
        self._wakeup.set()
        return await req.future

    async def _write_loop(self) -> None:
        """Commit what is waiting, in groups, and keep the connection thread busy.

        Up to two groups are in the thread's queue at once. The second is staged against the
        tail the first will leave and queued right behind it, so the thread goes from one
        fsync to the next without waiting for the loop, while the loop hands out the results
        of the last commit and gathers the next appends. When the thread is idle, half of what
        waits is taken, so that from then on two groups take turns; a group follows the one
        in flight as soon as it is as large (everyone it waits for is back), or when that one
        is done. The thread checks each staged guess (``_transaction``)."""
        pending, inflight = self._pending, self._inflight
        while pending or inflight or not self._closing:
            while inflight and inflight[0].txn.done():
                self._settle(inflight.popleft())
            ready = pending and (not inflight or (len(inflight) == 1 and self._waiting >= inflight[0].size))
            if ready and not (self._others and self._holding):  # poll or a checkpoint waits: let it in
                if not self._holding:  # poll and checkpoints wait while groups are in flight
                    await self._lock.acquire()
                    self._holding = True
                most = _MAX_GROUP if inflight or len(pending) < 4 else self._waiting // 2
                self._submit(most)
                await asyncio.sleep(0)  # the task hands the transaction to the thread now
                continue
            if not inflight and self._holding:
                self._holding = False
                self._lock.release()
            if self._closing and not pending and not inflight:
                break
            self._wakeup.clear()
            await self._wakeup.wait()

    def _submit(self, most: int) -> None:
        pending = self._pending
        group = [pending.popleft()]
        size = group[0].size
        while size < most and pending:
            req = pending.popleft()
            group.append(req)
            size += req.size
        self._waiting -= size
        self._room.set()
        try:
            plan = self._plan(group)
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about it
            self._fail(group, exc)
            return
        if plan is None:
            self._known = False  # the thread stages this group: what it leaves is known after
        # The whole transaction is one call into aiosqlite's connection thread: a round trip
        # per statement would cost more than the fsync that group commit is there to share.
        txn = asyncio.ensure_future(self._w._execute(self._transaction, group, plan))  # noqa: SLF001
        txn.add_done_callback(lambda _: self._wakeup.set())
        self._inflight.append(_InFlight(group, txn, size))

    def _plan(self, group: list[AppendRequest]) -> Plan | None:
        """Stage the group here, on the event loop, against the tail and versions the groups
        before it will leave, assuming nobody else writes and that streams we hold no version
        for are new; the thread checks all three. None when that guess cannot be made (a
        request needs the version of a stream we do not know, or a group before failed)."""
        if not self._known:
            return None
        unknown = {b.stream for r in group for b in r.batches if b.stream not in self._versions}
        if any(b.stream in unknown and b.expected_version != 0 for r in group for b in r.batches):
            return None
        versions = {b.stream: self._versions.get(b.stream, 0) for r in group for b in r.batches}
        now = max(int(self._clock() * 1_000_000), self._last_us)
        rows, staged = stage(group, self._tail, now, versions)
        plan = Plan(self._tail, now, unknown, rows, staged, versions)
        if rows:  # what the next group is staged against
            self._tail, self._last_us = (rows[-1][0], rows[-1][9]), now
            self._versions.update(versions)
        return plan

    def _settle(self, done: _InFlight) -> None:
        """Hand out a finished group's results, in commit order, and correct the guesses if
        the thread found them wrong."""
        try:
            result: Committed = done.txn.result()
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about it
            self._fail(done.group, exc)
            self._versions.clear()
            self._known = False  # what the log holds now is read again by the next transaction
            return
        if result.foreign:
            self._versions.clear()  # another process wrote: cached versions may be stale
        if not result.as_planned:
            self._versions.update(result.versions)
            if self._inflight:
                self._known = False  # the groups in flight were staged on a wrong guess
        if not self._inflight and not (result.as_planned and self._known):
            self._tail, self._last_us, self._known = result.tail, result.now, True
        committed = [e for _, envs in result.staged if isinstance(envs, list) for e in envs]
        try:
            self._dispatch(result.missed + committed if result.missed else committed)
        except Exception:  # noqa: BLE001 - a view's bug: the events are committed all the same
            log.exception("a listener failed on events up to %d", result.tail[0])
        for req, envs in result.staged:
            if not req.future.done():
                if isinstance(envs, ConcurrencyError):  # a conflict, or a stale view
                    req.future.set_exception(envs)
                else:
                    req.future.set_result(envs)

    @staticmethod
    def _fail(group: list[AppendRequest], exc: Exception) -> None:
        log.error("event log write failed", exc_info=exc)
        err = exc if isinstance(exc, StoreError) else StoreError(f"write failed: {exc}")
        for req in group:
            if not req.future.done():
                req.future.set_exception(err)

    def _transaction(self, group: list[AppendRequest], plan: Plan | None) -> Committed:
        """Runs in the connection's thread, one group after the other, in submission order."""
        conn: sqlite3.Connection = self._w._conn  # noqa: SLF001
        if plan is not None and plan.tail == self._thread_tail and 0 < len(plan.rows) <= _ROWS_PER_STATEMENT \
                and not self._stale(group):
            # The fast path: one INSERT statement, which SQLite runs as a transaction of its
            # own. If another process wrote since our last commit, its first event holds the
            # position we staged first; if a stream we took for new exists, it holds version 1:
            # either way a unique key refuses the whole statement, and the full path below
            # reads the log and stages again.
            try:
                _insert(conn, plan.rows)
            except sqlite3.IntegrityError:
                pass
            else:
                self._thread_tail = (plan.rows[-1][0], plan.rows[-1][9])
                return Committed(plan.staged, [], self._thread_tail, plan.versions, plan.now, True, False)
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(_TAIL).fetchone()
            tail = (row[0], row[1]) if row else (0, b"")
            foreign = tail != self._thread_tail
            if foreign:  # the events after our last commit are another process's
                self._note_foreign(conn, self._thread_tail[0], tail[0])
            stale = self._stale(group)
            if plan is not None and tail == plan.tail and plan.now >= (row[2] if row else 0) and not stale \
                    and not any(_load_versions(conn, plan.new_streams).values()):
                rows, staged, versions, now, as_planned = plan.rows, plan.staged, plan.versions, plan.now, True
            else:  # another process wrote, a stream we took for new exists, or no plan: stage again
                live = [r for r in group if r not in stale] if stale else group
                # the versions of every stream of the group, the refused requests' too: the
                # loop staged them all on guesses, and corrects its guesses from these
                versions = _load_versions(conn, {b.stream for r in group for b in r.batches})
                now = max(int(self._clock() * 1_000_000), row[2] if row else 0)
                rows, staged = stage(live, tail, now, versions)
                staged += [(r, StaleView(r.seen, self._foreign_upto)) for r in stale]  # type: ignore[arg-type]
                as_planned = False
            _insert(conn, rows)
            missed: list[Envelope] = []
            if tail[0] > self._dispatched and self._listener is not None:
                missed = self._range(conn, self._dispatched, tail[0])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._thread_tail = (rows[-1][0], rows[-1][9]) if rows else tail
        return Committed(staged, missed, self._thread_tail, versions, now, as_planned, foreign)

    def _note_foreign(self, conn: sqlite3.Connection, after: int, up_to: int) -> None:
        """Another process appended (after, up_to]: the newest of those events that a check
        can have read (any type but ``unchecked_types``) is what a view must have seen."""
        if not self.unchecked_types:
            self._foreign_upto = max(self._foreign_upto, up_to)
            return
        marks = ",".join("?" * len(self.unchecked_types))
        row = conn.execute(f"SELECT MAX(position) FROM events WHERE position > ? AND position <= ? "
                           f"AND type NOT IN ({marks})", (after, up_to, *sorted(self.unchecked_types))).fetchone()
        if row and row[0] is not None:
            self._foreign_upto = max(self._foreign_upto, row[0])

    def _stale(self, group: list[AppendRequest]) -> list[AppendRequest]:
        """The requests checked against views that lack events another process appended."""
        upto = self._foreign_upto
        return [r for r in group if r.seen is not None and r.seen < upto] if upto else []

    @staticmethod
    def _range(conn: sqlite3.Connection, after: int, up_to: int) -> list[Envelope]:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position",
                            (after, up_to)).fetchall()
        return _envelopes(list(rows))

    # -- dispatch to the projections ---------------------------------------------------------

    def listen(self, listener: Listener, after: int) -> None:
        """Hand every event after ``after`` to ``listener``, once, in order: our own appends
        right after their commit, other processes' appends at the next ``poll``."""
        self._listener = listener
        self._dispatched = after

    def _dispatch(self, envs: list[Envelope]) -> None:
        if envs and envs[0].position <= self._dispatched:  # some were handed over already
            envs = [e for e in envs if e.position > self._dispatched]
        if envs and self._listener is not None:
            try:
                self._listener(envs)
            finally:  # handed over, even if the listener failed on them: never twice, in order
                self._dispatched = envs[-1].position

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """``_lock`` for poll and checkpoints: the write loop submits no more groups, lets the
        ones in flight finish, and lets us in."""
        self._others += 1
        self._wakeup.set()
        try:
            async with self._lock:
                yield
        finally:
            self._others -= 1
            self._wakeup.set()

    async def poll(self) -> int:
        """Dispatch what other processes appended since we last looked. Returns how many."""
        if self._listener is None:
            return 0
        async with self._turn():
            envs = await self.query(EventFilter(after=self._dispatched), limit=-1)  # -1: all
            if envs:
                self._versions.clear()
                self._tail = (envs[-1].position, envs[-1].hash)
                self._last_us = max(self._last_us, envs[-1].recorded_at)  # times never go back
                self._dispatch(envs)
            return len(envs)

    # -- reading -----------------------------------------------------------------------------

    async def read(self, after: int = 0, limit: int = 10_000) -> list[Envelope]:
        return await self.query(EventFilter(after=after), limit)

    async def replay(self, after: int = 0) -> AsyncIterator[ReplayBatch]:
        """For projections, in batches. SQLite itself concatenates a batch's payloads into one
        MessagePack stream and its envelope fields into one JSON array, in the connection's
        thread and without the GIL, while this one decodes and folds the batch before: the
        event loop's share of a replay is two decoder calls per batch instead of building a
        row tuple per event."""
        def fetch(position: int, limit: int) -> asyncio.Future[Any]:
            return asyncio.ensure_future(self._r._execute(_replay_batch, self._r._conn, position, limit))  # noqa: SLF001

        ahead = fetch(after, _REPLAY_MOST)
        try:
            while True:
                payloads, recorded, count, last, digest, limit = await ahead
                if not count:
                    return
                ahead = fetch(last, limit)
                await asyncio.sleep(0)  # let the task hand the query to the thread before we fold
                batch = ReplayBatch(_recorded.decode(recorded), catalog.decode_concat(payloads, count), digest)
                if len(batch.recorded) != count or batch.recorded[0].position <= after \
                        or batch.recorded[-1].position != last:
                    raise StoreError(f"replay read an inconsistent batch after position {after}")
                after = last
                yield batch
        finally:
            if not ahead.done():
                ahead.cancel()

    async def read_stream(self, stream: str, up_to: int | None = None) -> list[Envelope]:
        return await self.query(EventFilter(stream=stream, up_to=up_to), limit=1_000_000)

    async def query(self, flt: EventFilter, limit: int = 100) -> list[Envelope]:
        texts = (flt.stream, flt.stream_prefix, flt.actor, flt.type)
        if not all(t is None or _storable(t) for t in texts):
            return []  # text no event can hold (a lone surrogate, as a command line can give)
        # positions and limits beyond any there can be: SQLite's integers end at 2**63 - 1
        after = min(flt.after, _BEYOND)
        up_to = None if flt.up_to is None else min(flt.up_to, _BEYOND)
        limit = min(limit, _BEYOND)
        if flt.since_us is not None:
            after = max(after, await self._first_at(min(flt.since_us, _BEYOND)) - 1)
        if flt.until_us is not None:
            last = await self._first_at(min(flt.until_us, _BEYOND)) - 1
            up_to = last if up_to is None else min(up_to, last)
        where: list[str] = ["position > ?"]
        args: list[Any] = [after]
        for column, op, value in (
            ("stream", "=", flt.stream), ("actor", "=", flt.actor), ("type", "=", flt.type), ("position", "<=", up_to),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        if flt.stream_prefix is not None:
            where.append("stream >= ? AND stream < ?")
            args += [flt.stream_prefix, flt.stream_prefix + "\U0010ffff"]
        sql = f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY position LIMIT ?"
        return _envelopes(list(await self._r.execute_fetchall(sql, (*args, limit))))

    async def _first_at(self, us: int) -> int:
        """The first position recorded at or after ``us`` (head + 1 if none): a binary search
        over positions, since recorded_at never decreases along them, in one call to the
        reader's thread."""
        return await self._r._execute(_first_at, self._r._conn, us)  # type: ignore[no-any-return]  # noqa: SLF001

    async def head(self) -> int:
        async with self._r.execute("SELECT COALESCE(MAX(position), 0) FROM events") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def hash_at(self, position: int) -> bytes | None:
        async with self._r.execute("SELECT hash FROM events WHERE position = ?", (position,)) as cur:
            row = await cur.fetchone()
        return bytes(row[0]) if row else None

    async def verify(self) -> list[ChainBreak]:
        """Recompute the chain. A changed event breaks its own hash; a removed one leaves a gap
        and a predecessor mismatch; a reordered pair breaks both hashes."""
        breaks: list[ChainBreak] = []
        prev, expected_pos, after = b"", 1, 0
        # In pages, each a query of its own: a cursor held open across awaits would keep the
        # reader connection on one snapshot (poll and every other read would see nothing new).
        # A page is hashed on the event loop: keep it short.
        while rows := await self._r.execute_fetchall(
                f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT 2000", (after,)):
            after = rows[-1][0]  # type: ignore[index]
            for pos, stream, version, type_, at, actor, rid, payload, prev_hash, digest in rows:
                if pos != expected_pos:
                    breaks.append(ChainBreak(expected_pos, f"events {expected_pos}..{pos - 1} are missing"))
                if prev_hash != prev:
                    breaks.append(ChainBreak(pos, "does not follow the event before it (prev_hash mismatch)"))
                if chain_hash(prev_hash, pos, stream, version, type_, at, actor, rid, payload) != digest:
                    breaks.append(ChainBreak(pos, "content does not match its hash (changed)"))
                prev, expected_pos = digest, pos + 1
        return breaks

    # -- checkpoints -------------------------------------------------------------------------

    async def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        async with self._turn():
            try:
                await self._w.execute(
                    "INSERT OR REPLACE INTO checkpoints (name, position, hash, state) VALUES (?,?,?,?)",
                    (checkpoint.name, checkpoint.position, checkpoint.hash, checkpoint.state),
                )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot save checkpoint: {exc}") from exc

    async def load_checkpoint(self, name: str) -> Checkpoint | None:
        async with self._r.execute("SELECT name, position, hash, state FROM checkpoints WHERE name = ?", (name,)) as cur:
            row = await cur.fetchone()
        return Checkpoint(row[0], row[1], bytes(row[2]), bytes(row[3])) if row else None

    # -- lifetime ----------------------------------------------------------------------------

    async def close_writes(self) -> None:
        """Refuse new appends and wait until every append already queued is committed."""
        self._closing = True
        self._wakeup.set()
        if self._writer_task is not None:
            await self._writer_task

    async def close(self) -> None:
        """Finish every write already queued, then close."""
        await self.close_writes()
        await self._w.close()
        await self._r.close()


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA busy_timeout=10000")
    return conn
