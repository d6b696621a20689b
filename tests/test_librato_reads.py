"""Pure tests of the Librato read layer: roll-ups over plain points and summaries against a
brute-force reference, and the window rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from app.librato import reads
from projections.metrics import Stat

point = st.tuples(st.integers(0, 3_000), st.floats(-1e6, 1e6, allow_nan=False),
                  st.one_of(st.none(), st.tuples(st.integers(1, 50), st.floats(-1e6, 1e6, allow_nan=False))))


@settings(max_examples=200, deadline=None)
@given(st.lists(point, max_size=60, unique_by=lambda p: p[0]), st.sampled_from([2, 7, 60, 300]))
def test_rollup_matches_brute_force(points: list[tuple[int, float, tuple[int, float] | None]], resolution: int) -> None:
    points.sort()
    t = np.array([float(p[0]) for p in points])
    stats = {}
    values = []
    for ti, v, s in points:
        if s is None:
            values.append(v)
        else:
            count, total = s
            stats[float(ti)] = Stat(count, total, min(v, total / count), max(v, total / count))
            values.append(total / count)
    got = reads.rows(t, np.array(values), stats, resolution)
    buckets: dict[int, list[tuple[int, float, float, float]]] = {}
    for (ti, _, _), v in zip(points, values):
        s = stats.get(float(ti))
        row = (s.count, s.sum, s.min, s.max) if s else (1, v, v, v)
        buckets.setdefault(ti // resolution * resolution, []).append(row)  # type: ignore[arg-type]
    assert [r["measure_time"] for r in got] == sorted(buckets)
    for r in got:
        rows = buckets[r["measure_time"]]
        count, total = sum(x[0] for x in rows), math.fsum(x[1] for x in rows)
        assert r["count"] == count
        assert r["sum"] == pytest.approx(total, rel=1e-9, abs=1e-6)
        assert r["value"] == pytest.approx(total / count, rel=1e-9, abs=1e-6)
        assert r["min"] == min(x[2] for x in rows) and r["max"] == max(x[3] for x in rows)


def test_window_rules() -> None:
    now = 10_000.0
    assert reads.window({}, now, require=False) is None
    with pytest.raises(Invalid):
        reads.window({}, now, require=True)
    w = reads.window({"start_time": "100"}, now, require=False)
    assert w is not None and (w.start, w.end) == (100, now)
    w = reads.window({"start_time": "100", "duration": "50"}, now, require=False)
    assert w is not None and (w.start, w.end) == (100, 150)
    w = reads.window({"duration": "50", "end_time": "1000"}, now, require=False)
    assert w is not None and (w.start, w.end) == (950, 1000)
    w = reads.window({"count": "3", "resolution": "None"}, now, require=False)
    assert w is not None and (w.start, w.end, w.count, w.resolution) == (0, now, 3, 1)


def test_filters_glob_with_star_only():
    assert reads.matches("web-*", "web-12") and reads.matches("*", "") and reads.matches("a*b*c", "aXbYc")
    assert not reads.matches("web-*", "db-1") and not reads.matches("a*c", "abd")
    assert reads.matches("what?", "what?") and not reads.matches("what?", "whats")  # ? is itself
    assert reads.matches("[x]*", "[x]1") and not reads.matches("[x]*", "x1")  # so is [
    assert reads.matches("a*a", "a") is False and reads.matches("ab*ba", "aba") is False  # pieces may not overlap
    # a pattern a backtracking regex takes minutes over is answered at once
    assert not reads.matches("*a" * 20 + "*b", "a" * 200)
    assert reads.matches("*a" * 20 + "*", "a" * 200)
