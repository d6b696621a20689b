"""render_svg as its callers use it: each kind, 0, 1 and many series, and the awkward cases."""

from __future__ import annotations

import numpy as np
import pytest

from renderers import MAX_HEIGHT, MAX_WIDTH, MIN_SIZE, RenderError, SeriesData, check_size, render_svg
from tests.test_render_factories import DAY, END, SVG, coordinates, parse, path_points, spec, texts, walk, with_class


def test_line_with_one_series_draws_one_path_and_no_legend() -> None:
    root = parse(render_svg(spec(walk(500))))
    series = with_class(root, "series-0")
    assert len(series) == 1
    assert len(series[0].findall(f"{SVG}path")) == 1
    assert with_class(root, "legend") == []
    assert texts(root, "title") == ["Chart"]


def test_many_series_get_a_path_each_distinct_colours_and_a_legend() -> None:
    root = parse(render_svg(spec(*(walk(300, seed=i, name=f"host-{i}") for i in range(5)))))
    paths = [el.find(f"{SVG}path") for el in with_class(root, "series")]
    assert len(paths) == 5
    assert len({p.get("stroke") for p in paths if p is not None}) == 5
    assert texts(root, "legend-label") == [f"host-{i}" for i in range(5)]


def test_zero_series_is_the_no_data_state() -> None:
    root = parse(render_svg(spec()))
    assert texts(root, "no-data") == ["No data"]
    assert with_class(root, "series") == []
    assert with_class(root, "axis-x")  # the time window is still shown


def test_series_without_points_in_the_window_is_no_data() -> None:
    outside = walk(100, start=END - 10 * DAY, end=END - 5 * DAY)
    all_nan = SeriesData("nan", np.linspace(END - DAY, END, 10), np.full(10, np.nan))
    root = parse(render_svg(spec(outside, all_nan)))
    assert texts(root, "no-data") == ["No data"]


def test_stacked_bands_sit_on_each_other() -> None:
    times = np.linspace(END - DAY, END, 50)
    ones = SeriesData("a", times, np.ones(50))
    twos = SeriesData("b", times, np.full(50, 2.0))
    root = parse(render_svg(spec(ones, twos, kind="stacked")))
    bands = [el.find(f"{SVG}path") for el in with_class(root, "series")]
    assert [b.get("class") for b in bands if b is not None] == ["area", "area"]
    top_of = [min(y for _, y in path_points(b.get("d", ""))) for b in bands if b is not None]
    assert top_of[1] < top_of[0]  # b is drawn above a (smaller y is higher)
    assert texts(root, "tick-label")[-1] != ""


def test_bignumber_shows_the_summary_with_its_unit() -> None:
    series = SeriesData("users", np.linspace(END - DAY, END, 4), np.array([1.0, 2.0, 3.0, 1234.0]))
    expected = {"last": "1.23k", "sum": "1.24k", "min": "1", "max": "1.23k", "count": "4", "average": "310"}
    for summary, number in expected.items():
        root = parse(render_svg(spec(series, kind="bignumber", unit="users", summary=summary)))
        assert texts(root, "value") == [number], summary
        assert texts(root, "unit") == ([] if summary == "count" else ["users"])


def test_bignumber_without_data_says_so() -> None:
    root = parse(render_svg(spec(kind="bignumber")))
    assert texts(root, "no-data") == ["No data"]
    assert with_class(root, "bignumber") == []


def test_a_single_point_is_drawn_as_a_dot() -> None:
    point = SeriesData("one", np.array([END - DAY / 2]), np.array([42.0]))
    root = parse(render_svg(spec(point)))
    (series,) = with_class(root, "series-0")
    assert series.findall(f"{SVG}path") == []
    assert len(series.findall(f"{SVG}circle")) == 1


def test_missing_values_and_long_silences_break_the_line() -> None:
    times = np.linspace(END - DAY, END, 200)
    values = np.sin(times / 3000)
    values[50:52] = np.nan  # too short to be a gap in time: the NaNs themselves break the line
    nan_gap = render_svg(spec(SeriesData("s", times, values)))
    silent = np.concatenate((times[:100], times[150:]))
    time_gap = render_svg(spec(SeriesData("s", silent, np.sin(silent / 3000))))
    unbroken = render_svg(spec(SeriesData("s", times, np.sin(times / 3000))))
    assert _moves(nan_gap) == 2
    assert _moves(time_gap) == 2
    assert _moves(unbroken) == 1


def _moves(svg: str) -> int:
    (series,) = with_class(parse(svg), "series-0")
    path = series.find(f"{SVG}path")
    return 0 if path is None else path.get("d", "").count("M")


def test_negative_values_get_a_zero_line_and_negative_ticks() -> None:
    series = SeriesData("t", np.linspace(END - DAY, END, 100), np.linspace(-30.0, 20.0, 100))
    root = parse(render_svg(spec(series, unit="°C")))
    labels = texts(root, "tick-label")
    assert "0°C" in labels
    assert any(label.startswith("-") for label in labels)
    assert with_class(root, "zero")


def test_huge_values_stay_on_the_canvas() -> None:
    times = np.linspace(END - DAY, END, 3)
    huge = [SeriesData(f"s{i}", times, np.array([1e308, -1e308, 1e308])) for i in range(3)]
    for kind in ("line", "stacked", "bignumber"):
        root = parse(render_svg(spec(*huge, kind=kind)))
        assert all(-2 <= n <= 602 for n in coordinates(root)), kind


def test_value_ticks_abbreviate_large_numbers() -> None:
    series = SeriesData("bytes", np.linspace(END - DAY, END, 10), np.linspace(0, 3.2e9, 10))
    labels = texts(parse(render_svg(spec(series, unit="B"))), "axis-y")
    assert "3G B" in "".join(labels) or "3.0G B" in "".join(labels)


def test_width_and_height_are_honoured_exactly() -> None:
    for width, height in ((MIN_SIZE, MIN_SIZE), (600, 300), (1234, 77), (MAX_WIDTH, MAX_HEIGHT)):
        for kind in ("line", "stacked", "bignumber"):
            root = parse(render_svg(spec(walk(1000), kind=kind, width=width, height=height)))
            assert (root.get("width"), root.get("height")) == (str(width), str(height))
            assert root.get("viewBox") == f"0 0 {width} {height}"


def test_the_title_cannot_escape_its_element() -> None:
    evil = '</text><script>alert("x")</script>&amp;'
    svg = render_svg(spec(walk(10, name=evil), walk(10, name="b"), title=evil))
    root = parse(svg)
    assert "<script" not in svg
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert texts(root, "title") == [evil]
    assert evil in texts(root, "legend-label")[0] or texts(root, "legend-label")[0].endswith("…")


def test_colours_that_are_not_colours_fall_back_to_the_palette() -> None:
    evil = SeriesData("s", np.linspace(END - DAY, END, 5), np.arange(5.0), color='red" onload="x')
    fine = SeriesData("s", np.linspace(END - DAY, END, 5), np.arange(5.0), color="#123abc")
    assert 'onload' not in render_svg(spec(evil))
    assert 'stroke="#123abc"' in render_svg(spec(fine))


def test_a_million_points_come_out_as_a_few_thousand() -> None:
    svg = render_svg(spec(walk(1_000_000)))
    (series,) = with_class(parse(svg), "series-0")
    path = series.find(f"{SVG}path")
    assert path is not None
    assert len(path_points(path.get("d", ""))) <= 2 * 600
    assert len(svg) < 40_000


def test_bad_specs_raise_render_error_naming_the_field() -> None:
    cases = {
        "width": spec(width=MIN_SIZE - 1),
        "height": spec(height=MAX_HEIGHT + 1),
        "kind": spec(kind="pie"),
        "summary": spec(summary="median"),
        "end": spec(start=END, end=END),
        "start": spec(start=float("nan")),
        "series": spec(SeriesData("s", np.array([2.0, 1.0]), np.array([1.0, 1.0]))),
    }
    for field, bad in cases.items():
        with pytest.raises(RenderError) as raised:
            render_svg(bad)
        assert raised.value.field == field
        assert isinstance(raised.value, ValueError)


def test_check_size_bounds() -> None:
    check_size(MIN_SIZE, MIN_SIZE)
    check_size(MAX_WIDTH, MAX_HEIGHT)
    for width, height, field in ((MIN_SIZE - 1, 300, "width"), (600, MAX_HEIGHT + 1, "height"), (True, 300, "width")):
        with pytest.raises(RenderError) as raised:
            check_size(width, height)
        assert raised.value.field == field
