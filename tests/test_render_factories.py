"""Plain factories for the renderer tests (no tests here): specs and series as callers build them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from renderers import ChartSpec, SeriesData

SVG = "{http://www.w3.org/2000/svg}"
END = 1_700_000_000.0
DAY = 86400.0


def walk(n: int, seed: int = 1, start: float = END - DAY, end: float = END, name: str = "walk") -> SeriesData:
    """A random walk of n points evenly spread over start..end."""
    rng = np.random.default_rng(seed)
    times = np.linspace(start, end, n) if n > 1 else np.array([start + (end - start) / 2])[:n]
    return SeriesData(name, times, np.cumsum(rng.standard_normal(n)))


def spec(*series: SeriesData, kind: str = "line", **overrides: object) -> ChartSpec:
    fields: dict[str, object] = {"title": "Chart", "kind": kind, "series": series, "start": END - DAY, "end": END}
    fields.update(overrides)
    return ChartSpec(**fields)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def with_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in el.get("class", "").split()]


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(el.itertext()) for el in with_class(root, cls)]


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf", re.IGNORECASE)
_GEOMETRY = ("x", "y", "cx", "cy", "r", "width", "height", "d", "dx", "font-size")


def coordinates(root: ET.Element) -> list[float]:
    """Every number in every geometric attribute of the document."""
    found: list[float] = []
    for el in root.iter():
        for name in _GEOMETRY:
            value = el.get(name)
            if value is not None:
                found.extend(float(n) for n in _NUMBER.findall(value))
    return found


def path_points(d: str) -> list[tuple[float, float]]:
    """The absolute points of a path made of M, L, H, v and Z commands as render_svg writes."""
    numbers = [float(n) for n in _NUMBER.findall(d)]
    return list(zip(numbers[::2], numbers[1::2]))
