"""The value axis: a nice domain and ticks at 1, 2, 2.5 or 5 times a power of ten."""

from __future__ import annotations

import math

import msgspec

from .numbers import decimals_for, format_fixed, prefix_power, with_unit
from .reduce import LIMIT


class Tick(msgspec.Struct, frozen=True):
    value: float
    label: str


class ValueScale(msgspec.Struct, frozen=True):
    """Maps data values onto a pixel range; `lo`..`hi` both fall on ticks."""

    lo: float
    hi: float
    ticks: tuple[Tick, ...]


def nice_step(span: float, target: int) -> float:
    """The 1/2/2.5/5 x 10^k step that cuts `span` into at most about `target` intervals."""
    raw = span / max(target, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0):
        if raw <= multiple * magnitude * 1.0000001:
            return multiple * magnitude
    return 10.0 * magnitude


def value_scale(lo: float, hi: float, target: int = 5, unit: str = "") -> ValueScale:
    """A scale covering lo..hi with about `target` intervals; flat data gets some room."""
    lo, hi = _widen(lo, hi)
    step = nice_step(hi - lo, target)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    values = [i * step for i in range(first, last + 1)]
    ticks = tuple(Tick(v, with_unit(_tick_label(v, step), unit)) for v in values)
    return ValueScale(values[0], values[-1], ticks)


def _tick_label(value: float, step: float) -> str:
    if abs(value) >= 1e18:  # past the last prefix: scientific notation
        return f"{value:.2g}"
    # Each tick takes its own prefix (0, 500k, 1.0M) with decimals enough for the step.
    power = prefix_power(abs(value))
    return format_fixed(value, power, decimals_for(step / 1000.0**power))


def _widen(lo: float, hi: float) -> tuple[float, float]:
    # Extremes are clamped so that hi - lo and the pixel mapping stay finite.
    lo, hi = max(lo, -LIMIT), min(hi, LIMIT)
    if hi - lo > max(abs(lo), abs(hi)) * 1e-9 and hi - lo > 1e-200:
        return lo, hi
    # Flat data (or differences lost in float precision): a tenth of its size either side.
    pad = abs(lo) * 0.1 if abs(lo) > 1e-200 else 1.0
    if lo >= 0 and lo - pad < 0:
        return 0.0, lo + pad if lo > 0 else 1.0
    return lo - pad, hi + pad


def tick_target(pixels: float) -> int:
    """Intervals on a value axis of `pixels` height: one per ~40 px, between 2 and 8."""
    return max(2, min(8, int(pixels // 40)))
