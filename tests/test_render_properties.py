"""Properties of render_svg over arbitrary charts: valid XML, finite coordinates on the canvas,
same input gives the same bytes, text escaped, inputs never written to."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from renderers import MAX_HEIGHT, MIN_SIZE, ChartSpec, SeriesData, render_svg
from tests.test_render_factories import END, coordinates, parse, texts

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.just(float("nan")),
)


@st.composite
def series(draw: st.DrawFn, start: float, end: float) -> SeriesData:
    n = draw(st.integers(0, 60))
    margin = (end - start) * 0.2
    times = sorted(draw(st.lists(st.floats(start - margin, end + margin), min_size=n, max_size=n)))
    values = draw(st.lists(_values, min_size=n, max_size=n))
    name = draw(st.text(max_size=30))
    color = draw(st.one_of(st.none(), st.text(max_size=10), st.just("#ff0000")))
    return SeriesData(name, np.array(times, dtype=np.float64), np.array(values, dtype=np.float64), color=color)


@st.composite
def charts(draw: st.DrawFn) -> ChartSpec:
    start = draw(st.floats(-1e9, 4e9))
    span = draw(st.sampled_from([0.001, 0.5, 10.0, 600.0, 86400.0, 30 * 86400.0, 3e8]))
    return ChartSpec(
        title=draw(st.text(max_size=60)),
        kind=draw(st.sampled_from(["line", "stacked", "bignumber"])),
        series=tuple(draw(st.lists(series(start, start + span), max_size=4))),
        start=start,
        end=start + span,
        width=draw(st.integers(MIN_SIZE, 1600)),
        height=draw(st.integers(MIN_SIZE, MAX_HEIGHT // 4)),
        unit=draw(st.text(max_size=8)),
        summary=draw(st.sampled_from(["last", "average", "sum", "min", "max", "count"])),
    )


@settings(max_examples=150, deadline=None, database=None)
@given(charts())
def test_any_chart_is_valid_xml_with_finite_coordinates_on_the_canvas(chart: ChartSpec) -> None:
    root = parse(render_svg(chart))
    numbers = coordinates(root)
    assert all(np.isfinite(numbers))
    size = max(chart.width, chart.height)
    assert all(-2 <= n <= size + 2 for n in numbers)
    assert root.get("width") == str(chart.width) and root.get("height") == str(chart.height)


@settings(max_examples=100, deadline=None, database=None)
@given(charts())
def test_same_input_gives_the_same_bytes_and_inputs_are_not_written(chart: ChartSpec) -> None:
    before = [(s.times.copy(), s.values.copy()) for s in chart.series]
    for s in chart.series:
        s.times.flags.writeable = False  # any write inside the renderer would raise
        s.values.flags.writeable = False
    first = render_svg(chart)
    copy = ChartSpec(**{f: getattr(chart, f) for f in chart.__struct_fields__})
    assert render_svg(copy) == first
    for s, (times, values) in zip(chart.series, before):
        assert np.array_equal(s.times, times, equal_nan=True)
        assert np.array_equal(s.values, values, equal_nan=True)


_MARKUP = st.sampled_from(["<", ">", "&", '"', "'", "</text>", "<script>", "]]>", "&amp;", "\x00", "\x1b", "\r\n"])


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.one_of(st.text(max_size=3), _MARKUP), min_size=1, max_size=6).map("".join))
def test_titles_and_names_come_back_as_the_same_text(text: str) -> None:
    times = np.linspace(END - 100, END, 5)
    chart = ChartSpec(
        title=text, kind="line", start=END - 100, end=END, width=1600,
        series=(SeriesData(text, times, np.arange(5.0)), SeriesData("other", times, np.ones(5))),
    )  # fmt: skip
    root = parse(render_svg(chart))
    # Labels are single lines; what XML cannot carry at all (NUL, ESC) comes back as U+FFFD.
    readable = _NOT_XML.sub("\ufffd", re.sub("[\t\n\r]", " ", text))
    assert texts(root, "title") == ([readable] if text else [])
    assert texts(root, "legend-label")[0] == readable or not readable.strip()
    assert not [el for el in root.iter() if el.tag.endswith("script")]
