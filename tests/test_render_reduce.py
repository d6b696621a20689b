"""Reduction to pixel columns keeps every column's extremes and the gaps, and nothing else."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from renderers.reduce import DENSE_PER_COLUMN, reduce_series


def _column_extremes(times: np.ndarray, values: np.ndarray, start: float, end: float, columns: int) -> dict[int, tuple[float, float]]:
    """The min and max of each pixel column, the slow obvious way."""
    found: dict[int, list[float]] = {}
    for t, v in zip(times.tolist(), values.tolist()):
        if start <= t <= end and np.isfinite(v):
            column = min(int((t - start) / (end - start) * columns), columns - 1)
            found.setdefault(column, []).append(v)
    return {c: (min(vs), max(vs)) for c, vs in found.items()}


def _reduced_extremes(times: np.ndarray, values: np.ndarray, start: float, end: float, columns: int) -> dict[int, tuple[float, float]]:
    runs = reduce_series(times, values, start, end, columns)
    found: dict[int, list[float]] = {}
    for x, y in zip(runs.x.tolist(), runs.y.tolist()):
        found.setdefault(min(int(x), columns - 1), []).append(y)
    return {c: (min(vs), max(vs)) for c, vs in found.items()}


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.integers(1, 5000),
    st.integers(5, 200),
    st.floats(0.0, 0.3),
    st.integers(0, 2**32 - 1),
)
def test_every_column_keeps_its_min_and_max(n: int, columns: int, nan_share: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.0, 1000.0, n))
    values = np.cumsum(rng.standard_normal(n))
    values[rng.random(n) < nan_share] = np.nan
    assert _reduced_extremes(times, values, 0.0, 1000.0, columns) == _column_extremes(times, values, 0.0, 1000.0, columns)


def test_dense_series_shrink_to_two_points_per_column() -> None:
    times = np.linspace(0.0, 1.0, 1_000_000)
    values = np.sin(times * 40)
    values[123_456] = 50.0  # one spike among a million
    values[654_321] = -50.0
    runs = reduce_series(times, values, 0.0, 1.0, 600)
    assert runs.x.size == 1200
    assert runs.y.max() == 50.0 and runs.y.min() == -50.0
    assert runs.starts.tolist() == [0]


def test_sparse_series_keep_every_point() -> None:
    times = np.arange(10.0)
    runs = reduce_series(times, times * 2, 0.0, 9.0, 100)
    assert runs.y.tolist() == (times * 2).tolist()
    assert runs.x[0] == 0.0 and runs.x[-1] == 100.0


def test_points_outside_the_window_are_left_out() -> None:
    times = np.arange(100.0)
    runs = reduce_series(times, times, 10.0, 19.0, 50)
    assert runs.y.tolist() == list(range(10, 20))


def test_gaps_start_new_runs_when_dense_and_when_sparse() -> None:
    for n in (50, 100 * DENSE_PER_COLUMN * 3):
        times = np.linspace(0.0, 100.0, n)
        values = np.ones(n)
        values[n // 3 : n // 2] = np.nan
        assert len(reduce_series(times, values, 0.0, 100.0, 100).bounds()) == 2, n
        kept = np.concatenate((times[: n // 3], times[n // 2 :]))
        assert len(reduce_series(kept, np.ones(kept.size), 0.0, 100.0, 100).bounds()) == 2, n


def test_a_single_missing_value_breaks_a_sparse_line() -> None:
    values = np.ones(20)
    values[10] = np.nan
    assert [b - a for a, b in reduce_series(np.arange(20.0), values, 0.0, 19.0, 100).bounds()] == [10, 9]


def test_input_arrays_are_not_written() -> None:
    times = np.linspace(0.0, 1.0, 10_000)
    values = np.where(np.arange(10_000) % 7 == 0, np.inf, 1.0)
    times.flags.writeable = values.flags.writeable = False
    reduce_series(times, values, 0.0, 1.0, 100, how="mean")
    reduce_series(times, values, 0.0, 1.0, 100)
    assert np.isinf(values[0])
