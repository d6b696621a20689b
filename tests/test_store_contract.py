"""The event store as a contract: every store backend must pass these (SQLite is the only one
so far; a PostgreSQL store would be added to STORES)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from events.accounts import OrgCreated, OrgDisabled
from events.base import Pending
from events.errors import ConcurrencyError, StaleView, StoreClosed
from events.sqlite import SqliteEventStore
from events.store import Checkpoint, EventFilter

Opener = Callable[[Path], Awaitable[SqliteEventStore]]
STORES: dict[str, Opener] = {"sqlite": lambda d, **kw: SqliteEventStore.open(d / "events.db", **kw)}


@pytest.fixture(params=sorted(STORES))
def opener(request: pytest.FixtureRequest) -> Opener:
    return STORES[request.param]


@pytest.fixture
async def store(opener: Opener, tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    s = await opener(tmp_path)
    yield s
    await s.close()


def created(n: int, name: str = "x") -> OrgCreated:
    return OrgCreated(org_id=n, name=name)


async def test_positions_and_versions_are_assigned_in_order(store):
    a = await store.append([Pending("org-1", (created(1), OrgDisabled(org_id=1)), 0)], actor="t", request_id="r1")
    b = await store.append([Pending("org-2", (created(2),), 0)], actor="t")
    assert [(e.position, e.stream, e.version) for e in a + b] == [(1, "org-1", 1), (2, "org-1", 2), (3, "org-2", 1)]
    assert a[0].request_id == "r1" and a[0].actor == "t" and a[0].type == "org.created"
    assert [e.position for e in await store.read()] == [1, 2, 3]
    assert await store.head() == 3


async def test_expected_version_mismatch_is_a_conflict_and_writes_nothing(store):
    await store.append([Pending("org-1", (created(1),), 0)], actor="t")
    for wrong in (0, 2, 5):
        with pytest.raises(ConcurrencyError) as exc:
            await store.append([Pending("org-1", (OrgDisabled(org_id=1),), wrong)], actor="t")
        assert exc.value.actual == 1 and exc.value.expected == wrong
    assert await store.head() == 1
    await store.append([Pending("org-1", (OrgDisabled(org_id=1),), 1)], actor="t")
    await store.append([Pending("org-1", (OrgDisabled(org_id=1),))], actor="t")  # None: any version
    assert [e.version for e in await store.read_stream("org-1")] == [1, 2, 3]


async def test_a_multi_stream_append_is_all_or_nothing(store):
    await store.append([Pending("org-2", (created(2),), 0)], actor="t")
    with pytest.raises(ConcurrencyError):
        await store.append([Pending("org-1", (created(1),), 0), Pending("org-2", (created(2),), 0)], actor="t")
    assert [e.stream for e in await store.read()] == ["org-2"]
    assert await store.read_stream("org-1") == []


async def test_concurrent_appends_get_unique_gap_free_positions(store):
    async def writer(i: int) -> list[int]:
        out = []
        for j in range(20):
            envs = await store.append([Pending(f"org-{i}", (created(i, str(j)),), j)], actor=f"w{i}")
            out.append(envs[0].position)
        return out

    results = await asyncio.gather(*(writer(i) for i in range(25)))
    positions = sorted(p for r in results for p in r)
    assert positions == list(range(1, 501))
    for i in range(25):
        assert [e.version for e in await store.read_stream(f"org-{i}")] == list(range(1, 21))


async def test_racing_creators_of_one_stream_exactly_one_wins(store):
    outcomes = await asyncio.gather(
        *(store.append([Pending("org-9", (created(9, str(i)),), 0)], actor="t") for i in range(10)),
        return_exceptions=True)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, ConcurrencyError) for o in outcomes if isinstance(o, Exception))


async def test_events_survive_reopening(opener, tmp_path):
    s = await opener(tmp_path)
    await s.append([Pending("org-1", (created(1, "kept"),), 0)], actor="t")
    await s.close()
    s = await opener(tmp_path)
    try:
        envs = await s.read()
        assert envs[0].event == created(1, "kept")
        with pytest.raises(ConcurrencyError):  # versions are known after a reopen too
            await s.append([Pending("org-1", (created(1),), 0)], actor="t")
        assert await s.verify() == []
    finally:
        await s.close()


async def test_two_writers_on_one_log_never_break_the_chain(opener, tmp_path):
    """Each store stages on its own view of the tail; when the other wrote meanwhile, the
    append must notice (positions, new streams, versions) and stage again, never overwrite."""
    a, b = await opener(tmp_path), await opener(tmp_path)
    try:
        await a.append([Pending("org-1", (created(1),), 0)], actor="a")
        await b.append([Pending("org-1", (OrgDisabled(org_id=1),), None)], actor="b")  # b never saw org-1
        with pytest.raises(ConcurrencyError):
            await b.append([Pending("org-2", (created(2),), 0), Pending("org-1", (created(1),), 0)], actor="b")
        await a.append([Pending("org-2", (created(2),), 0)], actor="a")  # a's tail is stale: b wrote
        with pytest.raises(ConcurrencyError):
            await b.append([Pending("org-2", (created(2),), 0)], actor="b")  # b takes org-2 for new
        await a.append([Pending("org-1", (OrgDisabled(org_id=1),), 2)], actor="a")  # a cached version 1
        await asyncio.gather(*(w.append([Pending(f"org-{w is a}-{i}", (created(i),), 0)], actor="x")
                               for i in range(30) for w in (a, b)))
        # both busy at once, groups staged ahead of their commits, some on one shared stream
        await asyncio.gather(*(w.append([Pending("shared" if i % 5 == 0 else f"s-{w is a}-{i}",
                                                 (created(i),), None)], actor="x")
                               for i in range(200) for w in (a, b)))
        log = await a.read(limit=10_000)
        assert [e.position for e in log] == list(range(1, 465))
        assert [e.version for e in log if e.stream == "shared"] == list(range(1, 81))
        assert [(e.stream, e.version) for e in log[:4]] == [("org-1", 1), ("org-1", 2), ("org-2", 1), ("org-1", 3)]
        assert await a.verify() == []
    finally:
        await a.close()
        await b.close()


async def test_appends_needing_versions_the_store_does_not_know_yet(opener, tmp_path):
    """After a reopen the store knows no versions: an append with an expected version to an old
    stream, among many others in flight, is checked against the log."""
    s = await opener(tmp_path)
    await s.append([Pending(f"org-{i}", (created(i),), 0) for i in range(3)], actor="t")
    await s.close()
    s = await opener(tmp_path)
    try:
        new = [s.append([Pending(f"new-{i}", (created(i),), 0)], actor="t") for i in range(40)]
        old = [s.append([Pending("org-1", (OrgDisabled(org_id=1),), 1)], actor="t"),
               s.append([Pending("org-2", (OrgDisabled(org_id=2),), 0)], actor="t")]  # wrong: it exists
        results = await asyncio.gather(*new[:20], *old, *new[20:], return_exceptions=True)
        assert isinstance(results[21], ConcurrencyError) and results[21].actual == 1
        assert sum(isinstance(r, BaseException) for r in results) == 1
        assert [e.version for e in await s.read_stream("org-1")] == [1, 2]
        assert [e.position for e in await s.read()] == list(range(1, 45)) and await s.verify() == []
    finally:
        await s.close()


async def test_close_finishes_queued_appends_and_refuses_new_ones(opener, tmp_path):
    s = await opener(tmp_path)
    pending = [asyncio.ensure_future(s.append([Pending(f"org-{i}", (created(i),), 0)], actor="t")) for i in range(50)]
    await asyncio.sleep(0)  # let them queue
    await s.close_writes()
    assert all(p.done() and not p.exception() for p in pending)
    with pytest.raises(StoreClosed):
        await s.append([Pending("org-99", (created(99),), 0)], actor="t")
    await s.close()


async def test_other_processes_appends_reach_listeners_in_order(opener, tmp_path):
    mine = await opener(tmp_path)
    seen: list[int] = []
    mine.listen(lambda envs: seen.extend(e.position for e in envs), after=0)
    other = await opener(tmp_path)  # another connection: as the CLI would be
    await other.append([Pending("org-1", (created(1),), 0)], actor="cli")
    await mine.append([Pending("org-2", (created(2),), 0)], actor="srv")  # commits after the foreign one
    await other.append([Pending("org-3", (created(3),), 0)], actor="cli")
    assert await mine.poll() == 1
    assert seen == [1, 2, 3]
    await other.close()
    await mine.close()


async def test_times_never_go_back_when_another_writer_runs_ahead(opener, tmp_path):
    cli = await opener(tmp_path, clock=lambda: time.time() + 60)  # its clock a minute ahead
    server = await opener(tmp_path)
    try:
        server.listen(lambda envs: None, after=0)
        await cli.append([Pending("org-1", (created(1),), 0)], actor="cli")
        await server.poll()
        await server.append([Pending("org-2", (created(2),), 0)], actor="srv")
        await cli.append([Pending("org-3", (created(3),), 0)], actor="cli")
        await server.append([Pending("org-4", (created(4),), 0)], actor="srv")  # unpolled: restaged
        times = [e.recorded_at for e in await server.read()]
        assert len(times) == 4 and times == sorted(times)
    finally:
        await cli.close()
        await server.close()


async def test_poll_and_checkpoints_get_their_turn_under_steady_appends(store):
    store.listen(lambda envs: None, after=0)
    stop = False

    async def writer(i: int) -> None:
        while not stop:
            await store.append([Pending(f"org-{i}", (created(i),), None)], actor="w")

    writers = [asyncio.create_task(writer(i)) for i in range(200)]
    try:
        await asyncio.sleep(0.2)  # the writer always has a group in flight from here on
        await asyncio.wait_for(store.poll(), 10)
        await asyncio.wait_for(store.save_checkpoint(Checkpoint("p", 1, b"h", b"s")), 10)
    finally:
        stop = True
        await asyncio.gather(*writers)
    assert await store.verify() == []


async def test_a_failing_listener_gets_each_event_once_and_the_store_goes_on(opener, tmp_path):
    store, other = await opener(tmp_path), await opener(tmp_path)
    seen: list[int] = []

    def listener(envs):
        seen.extend(e.position for e in envs)
        if envs[0].position == 1:
            raise RuntimeError("a view's bug")

    try:
        store.listen(listener, after=0)
        await store.append([Pending("org-1", (created(1),), 0)], actor="t")  # committed: no error for it
        await other.append([Pending("org-2", (created(2),), 0)], actor="cli")  # the next commit restages...
        await store.append([Pending("org-3", (created(3),), 0)], actor="t")  # ...and reads what it missed
        await asyncio.gather(*(store.append([Pending(f"org-{i}", (created(i),), 0)], actor="t") for i in range(4, 14)))
        assert seen == list(range(1, 14))  # once each, in order
    finally:
        await other.close()
        await store.close()


async def test_query_filters(store):
    await store.append([Pending("org-1", (created(1),), 0)], actor="alice")
    await store.append([Pending("org-2", (created(2),), 0)], actor="bob")
    await store.append([Pending("org-1", (OrgDisabled(org_id=1),), 1)], actor="bob")
    pos = lambda envs: [e.position for e in envs]  # noqa: E731
    assert pos(await store.query(EventFilter(actor="bob"))) == [2, 3]
    assert pos(await store.query(EventFilter(stream="org-1"))) == [1, 3]
    assert pos(await store.query(EventFilter(stream_prefix="org-"))) == [1, 2, 3]
    assert pos(await store.query(EventFilter(type="org.disabled"))) == [3]
    assert pos(await store.query(EventFilter(after=1, up_to=2))) == [2]
    first = (await store.read())[0].recorded_at
    assert pos(await store.query(EventFilter(since_us=first + 10**9))) == []
    assert pos(await store.query(EventFilter(until_us=first + 1))) == [1]


async def test_checkpoints_round_trip(store):
    assert await store.load_checkpoint("p") is None
    await store.save_checkpoint(Checkpoint("p", 7, b"h", b"state"))
    assert await store.load_checkpoint("p") == Checkpoint("p", 7, b"h", b"state")


async def test_replay_gives_every_event_in_order_in_batches_of_bounded_size(store):
    """Thousands of small events and runs of large ones (a 400 kB name each): batches are sized
    by bytes, and together they are exactly the log after the position asked for."""
    big = "é" * 200_000
    for names in (["s"] * 6_000, [big] * 40, ["t"] * 1_000, [big] * 40, ["u\u2603\"q"] * 10):
        await store.append([Pending(f"org-{i}", (created(i, name),), None) for i, name in enumerate(names, 1)],
                           actor="t")
    log = await store.read(limit=1_000_000)
    for after in (0, 3, 6_000, len(log) - 1, len(log)):
        batches = [b async for b in store.replay(after=after)]
        recorded = [r for b in batches for r in b.recorded]
        assert [(r.position, r.stream, r.version, r.recorded_at) for r in recorded] == \
            [(e.position, e.stream, e.version, e.recorded_at) for e in log[after:]]
        assert [e for b in batches for e in b.events] == [e.event for e in log[after:]]
        assert all(len(b.events) == len(b.recorded) and b.hash == log[b.recorded[-1].position - 1].hash
                   for b in batches)
        if after == 0:
            assert len(batches) >= 3  # 16 MB of big names never come in one batch


# -- the hash chain -----------------------------------------------------------------------------

async def _five(tmp_path: Path, opener: Opener) -> Path:
    s = await opener(tmp_path)
    for i in range(1, 6):
        await s.append([Pending(f"org-{i}", (created(i, f"n{i}"),), 0)], actor="t")
    assert await s.verify() == []
    await s.close()
    return tmp_path / "events.db"


def _tamper(db: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(db) as conn:  # the attacker's edit, straight into the file
        conn.execute(sql, args)


async def _breaks(opener: Opener, tmp_path: Path) -> list[int]:
    s = await opener(tmp_path)
    try:
        return [b.position for b in await s.verify()]
    finally:
        await s.close()


@pytest.mark.parametrize("opener", [STORES["sqlite"]])
async def test_verify_reports_a_changed_event_by_position(opener, tmp_path):
    db = await _five(tmp_path, opener)
    _tamper(db, "UPDATE events SET payload = ? WHERE position = 3", b'{"event":"org.created","org_id":3,"name":"evil"}')
    assert await _breaks(opener, tmp_path) == [3]


@pytest.mark.parametrize("opener", [STORES["sqlite"]])
async def test_verify_reports_a_removed_event(opener, tmp_path):
    db = await _five(tmp_path, opener)
    _tamper(db, "DELETE FROM events WHERE position = 2")
    assert 2 in await _breaks(opener, tmp_path)


@pytest.mark.parametrize("opener", [STORES["sqlite"]])
async def test_verify_reports_reordered_events(opener, tmp_path):
    db = await _five(tmp_path, opener)
    with sqlite3.connect(db) as conn:
        rows = {p: r for p, *r in conn.execute("SELECT position, stream, payload, hash, prev_hash FROM events")}
        conn.execute("UPDATE events SET stream='tmp' WHERE position=2")
        conn.execute("UPDATE events SET stream=?, payload=?, hash=?, prev_hash=? WHERE position=4", rows[2])
        conn.execute("UPDATE events SET stream=?, payload=?, hash=?, prev_hash=? WHERE position=2", rows[4])
    breaks = await _breaks(opener, tmp_path)
    assert 2 in breaks and 4 in breaks


@pytest.mark.parametrize("opener", [STORES["sqlite"]])
async def test_time_filters_with_a_clock_that_jumps_back(tmp_path, opener):
    ticks = iter([10.0, 20.0, 20.0, 15.0, 30.0])  # the 15 must not go before the 20s
    store = await SqliteEventStore.open(tmp_path / "events.db", clock=lambda: next(ticks))
    try:
        for i in range(1, 6):
            await store.append([Pending(f"org-{i}", (created(i),), 0)], actor="t")
        times = [e.recorded_at for e in await store.read()]
        assert times == sorted(times) and times[3] == 20_000_000
        pos = lambda envs: [e.position for e in envs]  # noqa: E731
        assert pos(await store.query(EventFilter(since_us=20_000_000))) == [2, 3, 4, 5]
        assert pos(await store.query(EventFilter(until_us=20_000_000))) == [1]
        assert pos(await store.query(EventFilter(since_us=20_000_001, until_us=30_000_001))) == [5]
        assert pos(await store.query(EventFilter(since_us=31_000_000))) == []
        assert pos(await store.query(EventFilter(since_us=0, after=3))) == [4, 5]
    finally:
        await store.close()


async def test_an_append_checked_against_views_that_lack_another_writers_events_is_stale(opener, tmp_path):
    """``seen``: the position the caller's checks read the views at. Events another process
    appended after it were not checked against: the append is refused (StaleView), writes
    nothing, and hands those events to the listener first, so a check again sees them."""
    mine, other = await opener(tmp_path), await opener(tmp_path)
    try:
        got: list[int] = []
        mine.listen(lambda envs: got.extend(e.position for e in envs), after=0)
        await mine.append([Pending("org-1", (created(1),), 0)], actor="t", seen=0)
        await other.append([Pending("org-2", (created(2),), 0)], actor="cli")  # position 2, unseen by mine
        with pytest.raises(StaleView):
            await mine.append([Pending("org-3", (created(3),), 0)], actor="t", seen=1)
        assert got == [1, 2] and await mine.head() == 2  # nothing written; the other's event handed over
        # in one group, the one that saw position 2 is written, the one that did not is refused
        results = await asyncio.gather(
            mine.append([Pending("org-3", (created(3),), 0)], actor="t", seen=2),
            mine.append([Pending("org-4", (created(4),), 0)], actor="t", seen=1), return_exceptions=True)
        assert isinstance(results[1], StaleView) and not isinstance(results[0], Exception)
        assert await mine.append([Pending("org-5", (created(5),), 0)], actor="t") is not None  # unchecked: as ever
        # the refused append's new stream is still new: no version was left guessed for it
        assert await mine.append([Pending("org-4", (created(4),), 0)], actor="t", seen=5) is not None
        assert [e.stream for e in await mine.read()] == ["org-1", "org-2", "org-3", "org-5", "org-4"]
        assert [e.version for e in await mine.read()] == [1, 1, 1, 1, 1]
    finally:
        await mine.close()
        await other.close()


async def test_events_of_unchecked_types_do_not_make_an_append_stale(opener, tmp_path):
    """Points another process ingests are read by no check: they leave appends as they are."""
    from events.series import PointsAdded
    mine, other = await opener(tmp_path), await opener(tmp_path)
    try:
        mine.unchecked_types = frozenset({"series.points_added"})
        mine.listen(lambda envs: None, after=0)
        await mine.append([Pending("org-1", (created(1),), 0)], actor="t", seen=0)
        await other.append([Pending("series-x", (PointsAdded(org_id=1, times=[1.0], values=[2.0]),), None)], actor="k")
        await mine.append([Pending("org-2", (created(2),), 0)], actor="t", seen=1)  # saw no org event: fine
        await other.append([Pending("org-3", (created(3),), 0)], actor="cli")
        with pytest.raises(StaleView):
            await mine.append([Pending("org-4", (created(4),), 0)], actor="t", seen=3)
    finally:
        await mine.close()
        await other.close()


async def test_verify_leaves_the_reader_on_the_current_log(opener, tmp_path):
    """verify held one cursor open across the whole log: every other read on the connection
    (poll among them) saw the log as it was when verify began."""
    mine, other = await opener(tmp_path), await opener(tmp_path)
    try:
        await mine.append([Pending(f"org-{n}", (created(n),), 0) for n in range(1, 30_001)], actor="t")
        got: list[int] = []
        mine.listen(lambda envs: got.extend(e.position for e in envs), after=30_000)
        checking = asyncio.create_task(mine.verify())
        for _ in range(3):
            await asyncio.sleep(0)
        await other.append([Pending("org-x", (created(0),), 0)], actor="cli")
        assert await mine.poll() == 1 and got == [30_001]
        assert await checking == []
    finally:
        await mine.close()
        await other.close()


@pytest.mark.parametrize("n", [0, 1, 15, 16, 1000, 65_535, 65_536, 70_000])
def test_a_fresh_ingests_arrays_are_stored_as_the_lists_they_hold(n):
    """Ingest hands its points over as float64 arrays; the log gets the very bytes the lists of
    their floats would have made (array headers of every width, -0.0, NaN, infinities), and
    reads back lists."""
    import numpy as np

    from events import catalog
    from events.series import PointsAdded, SeriesPoints

    a = np.random.default_rng(n).normal(size=n) * 1e9
    a[:4] = [-0.0, np.nan, np.inf, 5e-324][:min(4, n)]
    as_arrays = PointsAdded(org_id=1, source="d", metric="m", times=a, values=a[::-1].copy(),
                            chunks=[SeriesPoints(source="d", metric="n", times=a, values=a)])
    as_lists = PointsAdded(org_id=1, source="d", metric="m", times=a.tolist(), values=a[::-1].tolist(),
                           chunks=[SeriesPoints(source="d", metric="n", times=a.tolist(), values=a.tolist())])
    payload = catalog.encode(as_arrays)
    assert payload == catalog.encode(as_lists)
    (back,) = catalog.decode_many([payload])
    assert isinstance(back.times, list) and np.array_equal(back.times, a, equal_nan=True)


def test_float_arrays_of_any_width_and_byte_order_are_stored_as_their_lists():
    import numpy as np
    import pytest as _pytest

    from events import catalog
    from events.series import PointsAdded

    a = np.array([1.5, -0.0, 3.25, 1e-40, np.inf], dtype=np.float32)
    for arr in (a, a.astype(">f8"), a.astype("<f8")[::-1]):
        assert catalog.encode(PointsAdded(org_id=1, times=arr, values=arr)) == \
            catalog.encode(PointsAdded(org_id=1, times=arr.tolist(), values=arr.tolist()))
    with _pytest.raises(TypeError):  # integers are not points: refused as msgspec refuses any array
        catalog.encode(PointsAdded(org_id=1, times=np.arange(3), values=np.arange(3.0)))


def test_arrays_that_are_not_plain_floats_are_refused():
    """A masked array or long doubles would not be stored as the list they hold: refused."""
    import numpy as np
    import pytest as _pytest

    from events import catalog
    from events.series import PointsAdded

    for arr in (np.ma.array([1.0, 2.0], mask=[0, 1]), np.array([1.0, 2.0], dtype=np.longdouble)):
        with _pytest.raises(TypeError):
            catalog.encode(PointsAdded(org_id=1, times=arr, values=[1.0, 2.0]))
