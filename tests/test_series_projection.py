"""The series projection against brute-force pure-Python references (property-based)."""

from __future__ import annotations

import math
import statistics

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.base import Envelope
from events.series import PointsAdded, PointsDeleted, SeriesPoints, points_added
from projections.runner import Projector
from projections.series import FUNCTIONS, Series, aggregate_sorted

ORG = 1


def env(event, position=1):
    return Envelope(position=position, stream="series-x", version=position, type="t", recorded_at=0,
                    actor="test", request_id="", event=event)


def feed(view: Series, *events) -> None:
    """Through the projector, in one call: runs of one type are folded together."""
    projector = Projector([view])
    projector.apply([env(e, i) for i, e in enumerate(events, 1)])


def reference_bucket(t: float, interval: float) -> int:
    b = math.floor(t / interval)
    while b * interval > t:
        b -= 1
    while (b + 1) * interval <= t:
        b += 1
    return b


def reference_aggregate(points: dict[float, float], start, end, interval, fn):
    buckets: dict[int, list[float]] = {}
    for t in sorted(points):
        if start <= t <= end:
            buckets.setdefault(reference_bucket(t, interval), []).append(points[t])
    out = []
    for b in sorted(buckets):
        vs = buckets[b]
        value = {"min": lambda: min(vs), "max": lambda: max(vs), "count": lambda: float(len(vs)),
                 "sum": lambda: math.fsum(vs), "avg": lambda: math.fsum(vs) / len(vs),
                 "stddev": lambda: statistics.pstdev(vs)}[fn]()
        out.append((b * interval, value))
    return out


def close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


# Times on a coarse grid (so many points land exactly on bucket edges) plus arbitrary ones.
grid_times = st.integers(min_value=0, max_value=400).map(lambda k: 1_700_000_000 + k * 0.5)
free_times = st.floats(min_value=1_700_000_000, max_value=1_700_000_200, allow_nan=False)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
batches = st.lists(st.lists(st.tuples(st.one_of(grid_times, free_times), values), min_size=1, max_size=40),
                   min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(batches=batches, interval=st.sampled_from([0.5, 1, 2.5, 3, 7, 10, 60, 0.1, 0.3]),
       lo=st.integers(0, 450), span=st.integers(0, 450))
def test_aggregate_matches_brute_force(batches, interval, lo, span):
    view = Series()
    truth: dict[float, float] = {}
    for batch in batches:
        feed(view, PointsAdded(org_id=ORG, source="dev", metric="temp",
                               times=[t for t, _ in batch], values=[v for _, v in batch]))
        for t, v in batch:  # later writes at the same time win
            truth[t] = v
    start = 1_700_000_000 + lo * 0.5
    end = start + span * 0.5
    for fn in FUNCTIONS:
        stamps, got = view.aggregate(ORG, "dev", "temp", start, end, interval, fn)
        want = reference_aggregate(truth, start, end, interval, fn)
        assert [s for s, _ in want] == stamps.tolist(), fn
        scale = max((abs(v) for v in truth.values()), default=1.0)
        assert all(close(w, g, scale) for (_, w), g in zip(want, got.tolist())), (fn, want, got)


@settings(max_examples=100, deadline=None)
@given(batches=batches, lo=st.integers(0, 450), span=st.integers(0, 450), n=st.integers(1, 5))
def test_window_latest_nth_match_brute_force(batches, lo, span, n):
    view = Series()
    truth: dict[float, float] = {}
    for batch in batches:
        feed(view, PointsAdded(org_id=ORG, source="", metric="m", times=[t for t, _ in batch],
                               values=[v for _, v in batch]))
        truth.update(dict(batch))
    start = 1_700_000_000 + lo * 0.5
    end = start + span * 0.5
    inside = sorted((t, v) for t, v in truth.items() if start <= t <= end)
    t, v = view.window(ORG, "", "m", start, end)
    assert t.dtype == np.float64 and v.dtype == np.float64
    assert list(zip(t.tolist(), v.tolist())) == inside
    nt, nv = view.nth(ORG, "", "m", start, end, n)
    assert list(zip(nt.tolist(), nv.tolist())) == inside[::n]
    last = max(truth)
    assert view.latest(ORG, "", "m") == (last, truth[last])


@settings(max_examples=60, deadline=None)
@given(batches=batches, cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 100)), max_size=4))
def test_delete_and_dump_load_round_trip(batches, cuts):
    view = Series()
    truth: dict[float, float] = {}
    events = []
    for batch in batches:
        events.append(PointsAdded(org_id=ORG, source="d", metric="m", times=[t for t, _ in batch],
                                  values=[v for _, v in batch]))
        truth.update(dict(batch))
    for a, width in cuts:
        s, e = 1_700_000_000 + a * 0.5, 1_700_000_000 + (a + width) * 0.5
        events.append(PointsDeleted(org_id=ORG, source="d", metric="m", start=s, end=e))
        truth = {t: v for t, v in truth.items() if not s <= t <= e}
    feed(view, *events)
    t, v = view.window(ORG, "d", "m", 0, 1e10)
    assert list(zip(t.tolist(), v.tolist())) == sorted(truth.items())
    assert view.series_keys(ORG) == ([("d", "m")] if truth else [])
    # what a checkpoint does: msgpack round trip of dump(), then load
    again = Series()
    again.load(msgspec.msgpack.decode(msgspec.msgpack.encode(view.dump())))
    assert msgspec.msgpack.encode(again.dump()) == msgspec.msgpack.encode(view.dump())
    t2, v2 = again.window(ORG, "d", "m", 0, 1e10)
    assert t2.tolist() == t.tolist() and v2.tolist() == v.tolist()


def test_dump_is_independent_of_buffer_capacity_and_arrival_order():
    a, b = Series(), Series()
    feed(a, PointsAdded(org_id=ORG, source="s", metric="m", times=[3.0, 1.0, 2.0], values=[30, 10, 20]))
    feed(b, PointsAdded(org_id=ORG, source="s", metric="m", times=[1.0], values=[10]),
         PointsAdded(org_id=ORG, source="s", metric="m", times=[2.0, 3.0], values=[20, 30]))
    assert msgspec.msgpack.encode(a.dump()) == msgspec.msgpack.encode(b.dump())


def test_last_write_wins_within_and_across_batches():
    view = Series()
    feed(view, PointsAdded(org_id=ORG, source="s", metric="m", times=[1.0, 2.0, 1.0], values=[1, 2, 3]),
         PointsAdded(org_id=ORG, source="s", metric="m", times=[2.0], values=[9]))
    t, v = view.window(ORG, "s", "m", 0, 10)
    assert t.tolist() == [1.0, 2.0] and v.tolist() == [3.0, 9.0]


def test_one_event_covers_several_series_and_text_series():
    view = Series()
    feed(view, points_added(ORG, [
        SeriesPoints(source="d", metric="temp", times=[1.0, 2.0], values=[20.5, 21.0]),
        SeriesPoints(source="d", metric="state", times=[2.0, 1.0, 3.0], texts=["b", "a", "c"]),
    ]))
    assert view.series_keys(ORG) == [("d", "state"), ("d", "temp")]
    assert view.latest(ORG, "d", "temp") == (2.0, 21.0)
    assert view.latest_text(ORG, "d", "state") == (3.0, "c")
    t, s = view.text_window(ORG, "d", "state", 0, 2.5)
    assert t.tolist() == [1.0, 2.0] and s == ["a", "b"]
    feed(view, PointsAdded(org_id=ORG, source="d", metric="state", times=[2.0, 0.5], texts=["B", "z"]))
    t, s = view.text_window(ORG, "d", "state", 0, 10)
    assert t.tolist() == [0.5, 1.0, 2.0, 3.0] and s == ["z", "a", "B", "c"]
    assert view.latest(ORG, "d", "state") is None  # alphanumeric: not plotted as numbers
    assert view.series_keys(2) == []


def test_empty_answers():
    view = Series()
    t, v = view.window(ORG, "x", "y", 0, 10)
    assert t.size == 0 and v.size == 0 and t.dtype == np.float64
    assert view.latest(ORG, "x", "y") is None
    s, a = view.aggregate(ORG, "x", "y", 0, 10, 1, "avg")
    assert s.size == 0 and a.size == 0


def test_aggregate_rejects_bad_arguments():
    t = np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        aggregate_sorted(t, t, 0, "avg")
    with pytest.raises(ValueError):
        aggregate_sorted(t, t, 1, "median")


def test_many_buckets_path_matches_edge_path():
    """More buckets than points takes the per-point path; both must agree."""
    rng = np.random.default_rng(7)
    t = np.sort(rng.choice(np.arange(0, 10_000, dtype=np.float64), 500, replace=False))
    v = rng.normal(size=500)
    for fn in FUNCTIONS:
        few = aggregate_sorted(t, v, 1.0, fn)  # 10,000 buckets > 500 points: per-point path
        ref = reference_aggregate(dict(zip(t.tolist(), v.tolist())), 0, 1e9, 1.0, fn)
        assert few[0].tolist() == [s for s, _ in ref]
        assert np.allclose(few[1], [x for _, x in ref])


@settings(max_examples=100, deadline=None)
@given(interval=st.sampled_from([0.1, 0.3, 0.7, 1.1]), data=st.data())
def test_points_exactly_on_float_edges_open_their_bucket(interval, data):
    """``k*interval`` divided by ``interval`` may round below k: such a point still belongs to
    bucket k, whose start (k*interval) equals it. Both aggregation paths are exercised."""
    ks = data.draw(st.lists(st.integers(0, 3000), min_size=1, max_size=60))
    extra = data.draw(st.lists(st.floats(0, 300, allow_nan=False), max_size=20))
    truth = {k * interval: float(i) for i, k in enumerate(ks)}
    truth.update({t: -1.0 for t in extra})
    view = Series()
    feed(view, PointsAdded(org_id=ORG, source="", metric="m", times=list(truth), values=list(truth.values())))
    for fn in ("count", "sum", "min"):
        stamps, got = view.aggregate(ORG, "", "m", 0, 1e9, interval, fn)
        want = reference_aggregate(truth, 0, 1e9, interval, fn)
        assert stamps.tolist() == [s for s, _ in want]
        assert got.tolist() == pytest.approx([w for _, w in want])


def test_buffers_grow_in_place_unless_a_reader_holds_a_view():
    """Growing a long series moves its buffers rather than copying them (the kernel remaps a
    large one); while a reader holds a view of them they are copied instead, and the view keeps
    reading what it read."""
    from projections.series import _RESIZE_IN_PLACE, _Numeric

    if not _RESIZE_IN_PLACE:
        pytest.skip("this Python copies buffers always (see projections.series._RESIZE_IN_PLACE)")
    num = _Numeric()
    buffers = id(num.t), id(num.v)
    for i in range(100):
        num.add(np.arange(i * 100, i * 100 + 100, dtype=np.float64), np.full(100, float(i)))
    assert (id(num.t), id(num.v)) == buffers and len(num.t) >= 10_000  # grown 10 times over
    held_t, held_v = num.times, num.values
    was_t, was_v = held_t.copy(), held_v.copy()
    for i in range(100, 300):
        num.add(np.arange(i * 100, i * 100 + 100, dtype=np.float64), np.full(100, float(i)))
    assert (id(num.t), id(num.v)) != buffers
    assert np.array_equal(held_t, was_t) and np.array_equal(held_v, was_v)
    assert num.times.tolist() == list(map(float, range(30_000)))
    assert num.values.tolist() == [float(i // 100) for i in range(30_000)]
