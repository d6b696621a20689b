"""Broadsheet's renderer against matplotlib (Agg) drawing the same chart from the same data.

    python scripts/bench_render.py [--repeats 7] [--sizes 1000,100000,1000000]

One series, a seeded random walk at one point a second, on a 600x300 chart with a title, time
and value axes and a grid. Each case runs once to warm up, then `repeats` times; the table shows
medians and the ratio matplotlib / Broadsheet (higher is better for Broadsheet). The matplotlib
side builds a fresh Figure per render, as a server drawing one chart per request would, and is
given its data already converted to datetime64. Exits 1 if a target of issue 4 is missed:
SVG >= 20x at 1,000 points and >= 10x at 1,000,000; PNG >= 1.5x at every size.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renderers import ChartSpec, SeriesData, render_svg, svg_to_png  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

WIDTH, HEIGHT, DPI = 600, 300, 100
TITLE = "Random walk"
SVG_TARGETS = {1_000: 20.0, 1_000_000: 10.0}
PNG_TARGET = 1.5


def random_walk(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240601)
    times = 1_700_000_000.0 + np.arange(n, dtype=np.float64)
    return times, np.cumsum(rng.standard_normal(n))


def broadsheet_svg(times: np.ndarray, values: np.ndarray) -> Callable[[], object]:
    spec = ChartSpec(
        title=TITLE, kind="line", series=(SeriesData("walk", times, values),),
        start=float(times[0]), end=float(times[-1]), width=WIDTH, height=HEIGHT,
    )  # fmt: skip
    return lambda: render_svg(spec)


def broadsheet_png(times: np.ndarray, values: np.ndarray) -> Callable[[], object]:
    svg = broadsheet_svg(times, values)
    return lambda: svg_to_png(svg())  # type: ignore[arg-type]


def matplotlib_chart(times: np.ndarray, values: np.ndarray, fmt: str) -> Callable[[], object]:
    dates = times.astype("datetime64[s]")

    def draw() -> bytes:
        fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        ax = fig.add_subplot()
        ax.plot(dates, values, linewidth=1.5)
        ax.set_title(TITLE)
        ax.grid(True, color="#ebebeb")
        out = io.BytesIO()
        fig.savefig(out, format=fmt)
        return out.getvalue()

    return draw


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: imports, font caches
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{WIDTH}x{HEIGHT}, one random-walk series, median of {args.repeats} runs (ms)\n")
    print(f"{'format':<6} {'points':>9} {'broadsheet':>11} {'matplotlib':>11} {'ratio':>7} {'target':>7}  ")
    missed = 0
    for fmt in ("svg", "png"):
        for n in sizes:
            times, values = random_walk(n)
            ours = broadsheet_svg(times, values) if fmt == "svg" else broadsheet_png(times, values)
            theirs = matplotlib_chart(times, values, fmt)
            b, m = median_seconds(ours, args.repeats), median_seconds(theirs, args.repeats)
            target = SVG_TARGETS.get(n) if fmt == "svg" else PNG_TARGET
            verdict = "" if target is None else "ok" if m / b >= target else "MISSED"
            missed += verdict == "MISSED"
            shown = f"{target:.1f}x" if target else "-"
            print(f"{fmt:<6} {n:>9,} {b * 1e3:>11.2f} {m * 1e3:>11.2f} {m / b:>6.1f}x {shown:>7}  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
