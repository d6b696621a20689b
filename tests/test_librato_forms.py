"""Unit tests of the Librato parameter reader: Rack-style nesting of forms and query strings."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app.errors import Invalid, Malformed
from app.librato.forms import listlike, parse_form, parse_pairs, split_key


def test_plain_and_nested_keys() -> None:
    assert parse_pairs([("a", "1"), ("b[c]", "2"), ("b[d][e]", "3")]) == {"a": "1", "b": {"c": "2", "d": {"e": "3"}}}


def test_hash_by_index_is_the_form_shape_of_an_array() -> None:
    body = urlencode([("gauges[0][name]", "cpu"), ("gauges[0][value]", "1.5"),
                      ("gauges[1][name]", "mem"), ("gauges[1][value]", "2")]).encode()
    parsed = parse_form(body)
    assert parsed == {"gauges": {"0": {"name": "cpu", "value": "1.5"}, "1": {"name": "mem", "value": "2"}}}
    assert listlike(parsed["gauges"], "gauges") == [{"name": "cpu", "value": "1.5"}, {"name": "mem", "value": "2"}]


def test_hash_by_name() -> None:
    assert parse_pairs([("gauges[login-delay][value]", "3.5"), ("gauges[login-delay][source]", "a")]) == \
        {"gauges": {"login-delay": {"value": "3.5", "source": "a"}}}


def test_empty_brackets_make_lists_and_new_elements_start_on_a_repeated_key() -> None:
    assert parse_pairs([("s[]", "a"), ("s[]", "b")]) == {"s": ["a", "b"]}
    assert parse_pairs([("a[][n]", "x"), ("a[][v]", "1"), ("a[][n]", "y")]) == {"a": [{"n": "x", "v": "1"}, {"n": "y"}]}


def test_index_order_is_numeric_not_lexical() -> None:
    parsed = parse_pairs([(f"g[{i}][name]", f"m{i}") for i in (10, 2, 1)])
    assert [e["name"] for e in listlike(parsed["g"], "g")] == ["m1", "m2", "m10"]


def test_blank_values_are_kept_and_last_plain_value_wins() -> None:
    assert parse_pairs([("a", ""), ("b", "1"), ("b", "2")]) == {"a": "", "b": "2"}


@pytest.mark.parametrize("pairs", [[("a", "1"), ("a[b]", "2")], [("a[b]", "1"), ("a[]", "2")], [("a[]", "1"), ("a[x]", "2")]])
def test_mixing_a_value_a_hash_and_a_list_is_malformed(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(Malformed) as exc:
        parse_pairs(pairs)
    assert exc.value.field == "a"


@pytest.mark.parametrize("name", ["a[b]c", "a[b", "a" + "[x]" * 40])
def test_unreadable_names_are_malformed(name: str) -> None:
    with pytest.raises(Malformed):
        split_key(name)


def test_non_utf8_form_is_malformed() -> None:
    with pytest.raises(Malformed):
        parse_form(b"a=%ff%fe")


def test_listlike_refuses_a_hash_by_name() -> None:
    with pytest.raises(Invalid) as exc:
        listlike({"cpu": {}}, "gauges")
    assert exc.value.field == "gauges"
