"""Numbers as people read them on a chart: 1.5k, 20M, 3.25 with a unit."""

from __future__ import annotations

import math

_PREFIXES = ("", "k", "M", "G", "T", "P")
_LAST_PREFIXED = 1e18
# Units written straight after the number, as in 50% or 21°C.
_TIGHT_UNITS = ("%", "°")


def prefix_power(magnitude: float) -> int:
    """The power of 1000 to divide by so that `magnitude` reads as 1..999 (0 for small values)."""
    if not math.isfinite(magnitude) or magnitude < 1000:
        return 0
    return min(int(math.log10(magnitude) // 3), len(_PREFIXES) - 1)


def with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    if unit.startswith(_TIGHT_UNITS):
        return text + unit
    return f"{text} {unit}"


def format_fixed(value: float, power: int, decimals: int) -> str:
    """`value` divided by 1000**power with a fixed number of decimals and its k/M/G prefix."""
    text = f"{value / 1000.0**power:.{decimals}f}"
    if _is_negative_zero(text):
        text = text[1:]
    return text + _PREFIXES[power]


def decimals_for(step: float) -> int:
    """How many decimals tell apart ticks `step` apart (step already divided by its prefix)."""
    if step <= 0 or not math.isfinite(step):
        return 0
    first = max(0, -math.floor(math.log10(step) + 1e-9))
    for decimals in range(first, first + 3):  # 2.5 needs one more than 2, 0.25 one more than 0.2
        scaled = step * 10.0**decimals
        if abs(scaled - round(scaled)) <= 1e-6 * scaled:
            return decimals
    return first + 2


def format_significant(value: float, unit: str = "", digits: int = 3) -> str:
    """A single value with about `digits` significant digits, e.g. 1234567 -> '1.23M'."""
    if not math.isfinite(value):
        return with_unit("–", unit)
    if abs(value) >= _LAST_PREFIXED:
        return with_unit(f"{value:.{digits - 1}e}", unit)
    power = prefix_power(abs(value))
    decimals = _significant_decimals(abs(value) / 1000.0**power, digits)
    if round(abs(value) / 1000.0**power, decimals) >= 1000 and power < len(_PREFIXES) - 1:
        power += 1  # 999.7 reads as 1k, not 1000
        decimals = _significant_decimals(abs(value) / 1000.0**power, digits)
    text = f"{value / 1000.0**power:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if _is_negative_zero(text):
        text = text[1:]
    return with_unit(text + _PREFIXES[power], unit)


def _significant_decimals(scaled: float, digits: int) -> int:
    if scaled == 0:
        return 0
    return min(6, max(0, digits - 1 - math.floor(math.log10(scaled))))


def _is_negative_zero(text: str) -> bool:
    return text.startswith("-") and not text.strip("-0.")
