"""Ticks people can read: round UTC instants at any span, nice values with k/M/G."""

from __future__ import annotations

from renderers.numbers import format_significant
from renderers.scales import value_scale
from renderers.timescale import time_ticks

START = 1_700_000_123.456  # 2023-11-14 22:15:23 UTC, deliberately not round
SPANS = [10, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400, 90 * 86400,
         365 * 86400, 2 * 365 * 86400, 10 * 365 * 86400]  # fmt: skip


def test_time_ticks_at_every_span_from_seconds_to_years_are_three_to_ten() -> None:
    for span in SPANS + [s * 1.37 for s in SPANS]:
        ticks = time_ticks(START, START + span, 540, 6.8)
        assert 3 <= len(ticks) <= 10, (span, [t.label for t in ticks])
        assert all(START <= t.value <= START + span for t in ticks)
        assert all(a.label != b.label for a, b in zip(ticks, ticks[1:])), [t.label for t in ticks]
        steps = {round(b.value - a.value, 3) for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1 or span > 20 * 86400  # months and years vary in length


def test_time_labels_are_utc_and_fit_the_step() -> None:
    def labels(span: float) -> list[str]:
        return [t.label for t in time_ticks(START, START + span, 540, 6.8)]

    assert labels(10) == ["22:15:24", "22:15:26", "22:15:28", "22:15:30", "22:15:32"]
    assert labels(3600)[:2] == ["22:20", "22:30"]
    assert "Nov 15" in labels(86400)  # midnight shows the date
    assert labels(10 * 365 * 86400)[:2] == ["2024", "2026"]


def test_value_ticks_are_nice_and_cover_the_data() -> None:
    for lo, hi in [(0, 97), (-3, 7), (0.001, 0.0042), (5, 5), (-1e9, 3e9), (1e-12, 2e-12)]:
        scale = value_scale(lo, hi)
        assert scale.lo <= lo and scale.hi >= hi
        assert 3 <= len(scale.ticks) <= 10
        assert len({t.label for t in scale.ticks}) == len(scale.ticks), [t.label for t in scale.ticks]


def test_value_labels_abbreviate_with_units() -> None:
    assert [t.label for t in value_scale(0, 3.4e6, unit="B").ticks] == ["0 B", "1M B", "2M B", "3M B", "4M B"]
    assert [t.label for t in value_scale(0, 1, unit="%").ticks][-1] == "1.0%"
    assert format_significant(1234567, "req/s") == "1.23M req/s"
    assert format_significant(999.7) == "1k"
    assert format_significant(-0.000123) == "-0.000123"
