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
import logging
import sqlite3
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from events import catalog
from events.base import Envelope, Pending, Recorded
from events.errors import ConcurrencyError, StoreClosed, StoreError
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
_COLUMNS = "position, stream, version, type, recorded_at, actor, request_id, payload, prev_hash, hash"
_ROW = "(?,?,?,?,?,?,?,?,?,?)"
_ROWS_PER_STATEMENT = 1_000  # 10,000 parameters: far below SQLite's limit of 32,766
# Replay: one query per batch aggregates the rows in SQL (see ``replay``), in position order.
# A batch holds at most _REPLAY_MOST events and, unless one event alone is larger, at most
# _REPLAY_BYTES of payload: a decoded batch stays small, and far below SQLite's 1 GB limit.
_REPLAY_SQL = """
SELECT payloads, recorded, n, last, (SELECT hash FROM events WHERE position = last) FROM (
    SELECT CAST(group_concat(payload, '') AS BLOB) AS payloads, count(*) AS n, max(position) AS last,
           json_group_array(json_array(position, stream, version, recorded_at)) AS recorded
    FROM (SELECT position, stream, version, recorded_at, payload FROM events
          WHERE position > ? ORDER BY position LIMIT ?))
"""
_REPLAY_SIZE = "SELECT sum(length(payload)) FROM (SELECT payload FROM events WHERE position > ? ORDER BY position LIMIT ?)"
_REPLAY_MOST = 20_000
_REPLAY_BYTES = 8 * 1024 * 1024
_REPLAY_SWITCH_INTERVAL = 0.0005  # seconds (see ``replay``)
_recorded = msgspec.json.Decoder(list[Recorded])


def _replay_batch(conn: sqlite3.Connection, after: int) -> tuple[Any, ...]:
    limit = _REPLAY_MOST
    while limit > 1 and (conn.execute(_REPLAY_SIZE, (after, limit)).fetchone()[0] or 0) > _REPLAY_BYTES:
        limit //= 2
    return tuple(conn.execute(_REPLAY_SQL, (after, limit)).fetchone())


_MAX_GROUP = 5_000  # events per transaction; more waits for the next one
_QUEUE_LIMIT = 20_000  # pending append requests before callers wait for room


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


def _any_exists(conn: sqlite3.Connection, streams: set[str]) -> bool:
    listed = list(streams)
    for i in range(0, len(listed), 500):
        chunk = listed[i:i + 500]
        if conn.execute(f"SELECT 1 FROM events WHERE stream IN ({','.join('?' * len(chunk))}) LIMIT 1", chunk).fetchone():
            return True
    return False


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
        self._versions: dict[str, int] = {}  # cache of stream versions, valid while no one else writes
        self._tail = (0, b"")  # (position, hash) of the newest event we know was committed
        self._last_us = 0
        self._listener: Listener | None = None
        self._dispatched = 0
        self._closing = False
        self._writer_task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], float] = time.time) -> SqliteEventStore:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path)
            await writer.executescript(_SCHEMA)
            reader = await _connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open event log {path}: {exc}") from exc
        store = cls(path, writer, reader, clock)
        rows = list(await writer.execute_fetchall(
            "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"))
        if rows:
            store._tail, store._last_us = (rows[0][0], rows[0][1]), rows[0][2]
        store._writer_task = asyncio.create_task(store._write_loop(), name="event-writer")
        return store

    # -- writing ---------------------------------------------------------------------------

    async def append(self, batches: Sequence[Pending], *, actor: str, request_id: str = "") -> list[Envelope]:
        if self._closing:
            raise StoreClosed("the event store is closing")
        while len(self._pending) >= _QUEUE_LIMIT:
            self._room.clear()
            await self._room.wait()
        req = AppendRequest(batches, actor, request_id, self._loop.create_future())
        self._pending.append(req)
        self._wakeup.set()
        return await req.future

    async def _write_loop(self) -> None:
        pending = self._pending
        while pending or not self._closing:
            if not pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            group, size = [pending.popleft()], 0
            size = group[0].size
            while size < _MAX_GROUP and pending:
                req = pending.popleft()
                group.append(req)
                size += req.size
            self._room.set()
            try:
                await self._commit(group)
            except Exception as exc:  # noqa: BLE001 - every waiter must hear about it
                log.exception("event log write failed")
                err = exc if isinstance(exc, StoreError) else StoreError(f"write failed: {exc}")
                for req in group:
                    if not req.future.done():
                        req.future.set_exception(err)

    async def _commit(self, group: list[AppendRequest]) -> None:
        async with self._lock:
            plan = self._plan(group)
            # The whole transaction is one call into aiosqlite's connection thread: a round trip
            # per statement would cost more than the fsync that group commit is there to share.
            staged, missed, tail, versions = await self._w._execute(self._transaction, group, plan)  # noqa: SLF001
            self._tail = tail
            self._versions.update(versions)
        committed = [e for _, envs in staged if isinstance(envs, list) for e in envs]
        self._dispatch(missed + committed if missed else committed)
        for req, envs in staged:
            if not req.future.done():
                if isinstance(envs, ConcurrencyError):
                    req.future.set_exception(envs)
                else:
                    req.future.set_result(envs)

    def _plan(self, group: list[AppendRequest]) -> Plan | None:
        """Stage the group here, on the event loop, while the connection thread is free for
        SQLite: assuming nobody else wrote since our last commit and that streams we hold no
        version for are new. The transaction checks both and stages again if either is wrong.
        None when a request needs the version of a stream we do not know."""
        unknown = {b.stream for r in group for b in r.batches if b.stream not in self._versions}
        if any(b.stream in unknown and b.expected_version != 0 for r in group for b in r.batches):
            return None
        versions = {b.stream: self._versions.get(b.stream, 0) for r in group for b in r.batches}
        now = max(int(self._clock() * 1_000_000), self._last_us)
        rows, staged = stage(group, self._tail, now, versions)
        return Plan(self._tail, now, unknown, rows, staged, versions)

    def _transaction(self, group: list[AppendRequest],
                     plan: Plan | None) -> tuple[Any, list[Envelope], tuple[int, bytes], dict[str, int]]:
        """Runs in the connection's thread, under ``self._lock``."""
        conn: sqlite3.Connection = self._w._conn  # noqa: SLF001
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1").fetchone()
            tail = (row[0], row[1]) if row else (0, b"")
            if plan is not None and tail == plan.tail and not _any_exists(conn, plan.new_streams):
                rows, staged, versions, now = plan.rows, plan.staged, plan.versions, plan.now
            else:  # another process wrote, or a stream we took for new exists: stage again
                if tail != self._tail:
                    self._versions.clear()
                versions = self._load_versions(conn, {b.stream for r in group for b in r.batches})
                now = max(int(self._clock() * 1_000_000), self._last_us, row[2] if row else 0)
                rows, staged = stage(group, tail, now, versions)
            _insert(conn, rows)
            missed: list[Envelope] = []
            if tail[0] > self._dispatched and self._listener is not None:
                missed = self._range(conn, self._dispatched, tail[0])
            conn.execute("COMMIT")
        except BaseException:
            self._versions.clear()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._last_us = now
        return staged, missed, ((rows[-1][0], rows[-1][9]) if rows else tail), versions

    def _load_versions(self, conn: sqlite3.Connection, streams: set[str]) -> dict[str, int]:
        """The current version of each stream: from the cache, else from the log."""
        versions = {s: self._versions[s] for s in streams if s in self._versions}
        missing = [s for s in streams if s not in versions]
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found = dict(conn.execute(
                f"SELECT stream, MAX(version) FROM events WHERE stream IN ({marks}) GROUP BY stream", chunk).fetchall())
            versions.update((s, found.get(s, 0)) for s in chunk)
        return versions

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
        fresh = [e for e in envs if e.position > self._dispatched]
        if fresh and self._listener is not None:
            self._listener(fresh)
            self._dispatched = fresh[-1].position

    async def poll(self) -> int:
        """Dispatch what other processes appended since we last looked. Returns how many."""
        if self._listener is None:
            return 0
        async with self._lock:
            envs = await self._read_range(self._r, self._dispatched, None)
            if envs:
                self._versions.clear()
                self._tail = (envs[-1].position, envs[-1].hash)
                self._dispatch(envs)
            return len(envs)

    # -- reading -----------------------------------------------------------------------------

    async def _read_range(self, conn: aiosqlite.Connection, after: int, up_to: int | None) -> list[Envelope]:
        sql = f"SELECT {_COLUMNS} FROM events WHERE position > ?"
        args: list[Any] = [after]
        if up_to is not None:
            sql += " AND position <= ?"
            args.append(up_to)
        return _envelopes(list(await conn.execute_fetchall(sql + " ORDER BY position", args)))

    async def read(self, after: int = 0, limit: int = 10_000) -> list[Envelope]:
        rows = await self._r.execute_fetchall(
            f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?", (after, limit))
        return _envelopes(list(rows))

    async def replay(self, after: int = 0) -> AsyncIterator[ReplayBatch]:
        """For projections, in batches. SQLite itself concatenates a batch's payloads into one
        MessagePack stream and its envelope fields into one JSON array, in the connection's
        thread and without the GIL, while this one decodes and folds the batch before: the
        event loop's share of a replay is two decoder calls per batch instead of building a
        row tuple per event."""
        def fetch(position: int) -> asyncio.Future[Any]:
            return asyncio.ensure_future(self._r._execute(_replay_batch, self._r._conn, position))  # noqa: SLF001

        # The thread takes the GIL a few times per batch (to start each query, to hand over its
        # result) while this one folds: at the default 5 ms switch interval each take waits
        # up to 5 ms, more than the query itself. A shorter interval, during the replay only.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(_REPLAY_SWITCH_INTERVAL)
        ahead = fetch(after)
        try:
            while True:
                payloads, recorded, count, last, digest = await ahead
                if not count:
                    return
                ahead = fetch(last)
                await asyncio.sleep(0)  # let the task hand the query to the thread before we fold
                batch = ReplayBatch(_recorded.decode(recorded), catalog.decode_concat(payloads, count), digest)
                if len(batch.recorded) != count or batch.recorded[0].position <= after \
                        or batch.recorded[-1].position != last:
                    raise StoreError(f"replay read an inconsistent batch after position {after}")
                after = last
                yield batch
        finally:
            sys.setswitchinterval(interval)
            if not ahead.done():
                ahead.cancel()

    async def read_stream(self, stream: str, up_to: int | None = None) -> list[Envelope]:
        return await self.query(EventFilter(stream=stream, up_to=up_to), limit=1_000_000)

    async def query(self, flt: EventFilter, limit: int = 100) -> list[Envelope]:
        after, up_to = flt.after, flt.up_to
        if flt.since_us is not None:
            after = max(after, await self._first_at(flt.since_us) - 1)
        if flt.until_us is not None:
            last = await self._first_at(flt.until_us) - 1
            up_to = last if up_to is None else min(up_to, last)
        where, args = ["position > ?"], [after]
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
        over positions, since recorded_at never decreases along them."""
        lo, hi = 1, await self.head() + 1
        while lo < hi:
            mid = (lo + hi) // 2
            rows = list(await self._r.execute_fetchall(
                "SELECT recorded_at FROM events WHERE position >= ? ORDER BY position LIMIT 1", (mid,)))
            if rows and rows[0][0] >= us:
                hi = mid
            else:
                lo = mid + 1
        return lo

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
        prev, expected_pos = b"", 1
        async with self._r.execute(f"SELECT {_COLUMNS} FROM events ORDER BY position") as cur:
            while rows := await cur.fetchmany(10_000):
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
        async with self._lock:
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
