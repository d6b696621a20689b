"""app.stamps.epoch_seconds, the vectorised RFC 3339 parser of ingest batches, against the one-by-one
parse it stands in for (app.times.parse_iso, datetime.fromisoformat underneath, as M2X's slow path
reads timestamps).

Where it answers it must agree exactly, float for float; where it declines (None) the caller
parses one by one, so declining is always safe, but it must not decline the plain layouts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from app.m2x.ingest import to_ms
from app.stamps import epoch_seconds
from app.times import iso, parse_iso

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def one_by_one(s: str) -> float | None:
    """What the one-by-one path makes of a timestamp: its epoch seconds, or None (refused)."""
    try:
        return parse_iso(s, "t")
    except Invalid:
        return None


# a layout: separator, digits of the fraction, zone ("Z", "z" or an offset in minutes)
layouts = st.tuples(st.sampled_from("Tt "), st.integers(0, 6),
                    st.one_of(st.sampled_from(["Z", "z"]), st.integers(-19 * 60 - 59, 19 * 60 + 59)))
# around the whole range, edges included: a little before 1970 and after 2199 too (2200-01-01
# is day 84,006 after the epoch)
instants = st.integers(-3 * 86_400_000_000, 84_010 * 86_400_000_000)


def spell(us: int, layout: tuple[str, int, str | int]) -> str:
    sep, frac, zone = layout
    offset = timedelta(minutes=0 if isinstance(zone, str) else zone)
    local = (EPOCH + timedelta(microseconds=us)).astimezone(timezone(offset))
    s = local.strftime("%Y-%m-%d") + sep + local.strftime("%H:%M:%S")
    if frac:
        s += "." + f"{local.microsecond:06d}"[:frac]
    if isinstance(zone, str):
        return s + zone
    sign, minutes = ("-" if zone < 0 else "+"), abs(zone)
    return s + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@settings(max_examples=300, deadline=None)
@given(layouts, st.lists(instants, min_size=1, max_size=40))
def test_one_layout_is_answered_exactly(layout, instants):
    stamps = [spell(us, layout) for us in instants]
    expected = [one_by_one(s) for s in stamps]
    got = epoch_seconds(stamps)
    if None in expected:  # something out of range: declined, the one-by-one path names it
        assert got is None
    else:
        assert got is not None, stamps
        assert got.tolist() == expected
        # floored to the millisecond (M2X's ingest): the same as flooring one by one
        assert epoch_seconds(stamps, step_us=1000).tolist() == [to_ms(t) for t in expected]


@settings(max_examples=500, deadline=None)
@given(layouts, st.lists(instants, min_size=1, max_size=8), st.data())
def test_a_changed_character_is_declined_or_read_the_same(layout, instants, data):
    """Any one character replaced, anywhere: either declined, or read exactly as one by one."""
    stamps = [spell(us, layout) for us in instants]
    i = data.draw(st.integers(0, len(stamps) - 1))
    j = data.draw(st.integers(0, len(stamps[i]) - 1))
    c = data.draw(st.sampled_from("0123456789:-+.TZtz x/é"))
    stamps[i] = stamps[i][:j] + c + stamps[i][j + 1:]
    got = epoch_seconds(stamps)
    if got is not None:
        expected = [one_by_one(s) for s in stamps]
        assert None not in expected, stamps
        assert got.tolist() == expected


def test_the_layouts_clients_send():
    t0 = 1_714_557_600.0  # 2024-05-01T10:00:00Z
    js = [iso(t0 + i * 0.001) for i in range(1000)]  # JavaScript's toISOString: milliseconds, Z
    m2x = [s[:-1] + "000Z" for s in js]  # the m2x python client: microseconds, Z
    offset = [s[:-1] + "+00:00" for s in js]  # Python's isoformat() with a fraction
    for stamps in (js, m2x, offset):
        got = epoch_seconds(stamps)
        assert got is not None and got.tolist() == [one_by_one(s) for s in stamps]


def test_declines_what_it_cannot_read_at_once():
    ok = "2024-05-01T10:00:00.000Z"
    for stamps in (
        [],
        [ok, "2024-05-01T10:00:00Z"],  # two lengths (isoformat() drops a zero fraction)
        [ok, "2024-05-01T10:00:00.000z"],  # two layouts of one length
        ["2024-02-30T10:00:00.000Z"],  # no such day
        ["2023-02-29T10:00:00.000Z"],  # not a leap year
        ["2024-05-01T24:00:00.000Z"],
        ["2024-13-01T10:00:00.000Z"],
        ["2024-00-01T10:00:00.000Z"],
        ["2024-05-00T10:00:00.000Z"],
        ["2024-05-01T10:60:00.000Z"],
        ["2024-05-01T10:00:60.000Z"],  # no leap seconds, as datetime
        ["1969-12-31T23:59:59.999Z"],
        ["2200-01-01T00:00:00.000Z"],
        ["1970-01-01T00:30:00+01:00"],  # 1969 in UTC
        ["2024-05-01T10:00:00.0000000Z"],  # more than microseconds: one by one
        ["2024-05-01T10:00:00"],  # naive: UTC for the slow path, not here
        ["2024-05-01T10:00:00+0100"],
        ["2024-05-01T10:00:00+20:00"],  # offsets of 20 h and more are left to datetime
        ["２０24-05-01T10:00:00.000Z"],  # not ASCII
        # a short string and a long one whose rows, joined, line up with the layout
        [ok, "2024-05-01T10:00:00.000", "Z2024-05-01T10:00:00.000Z"],
        # ... and with the matrix's own end mark inside: two stamps as one string, and an empty one
        [ok + "|" + ok, "", ok],
        [ok, ok[:-1], "|" + ok[:-1] + "Z|" + ok],
    ):
        assert epoch_seconds(stamps) is None, stamps


def test_years_beyond_the_tables_are_declined():
    """The month table is read without a range check: a key beyond either end lands on a
    month of no days."""
    for year in ("0000", "0001", "1000", "1968", "1969", "2200", "2201", "2999", "9999"):
        assert epoch_seconds([f"{year}-01-15T10:00:00.000Z"]) is None, year
        assert epoch_seconds([f"{year}-12-31T23:59:59.999Z"]) is None, year
    assert epoch_seconds(["2199-12-31T23:59:59.999Z"]) is not None


def test_long_batches_are_checked_whole():
    """Rows are checked in chunks of 1,024: a bad one in any chunk, and at either edge of one,
    is declined; a good batch is read as one by one."""
    t0 = 1_714_557_600.0
    good = [iso(t0 + i * 0.25) for i in range(3000)]
    got = epoch_seconds(good)
    assert got is not None and got.tolist() == [one_by_one(s) for s in good]
    for i in (0, 1023, 1024, 2047, 2048, 2999):
        for changed in (good[i][:11] + "25" + good[i][13:],  # hour 25: refused by value
                        good[i][:-1] + "x",  # a literal column: refused by the check alone
                        good[i][:12] + "/" + good[i][13:]):  # a digit column, likewise
            bad = list(good)
            bad[i] = changed
            assert epoch_seconds(bad) is None, (i, changed)


def test_leap_days_and_offsets():
    stamps = ["2024-02-29T23:30:00-01:00", "2000-02-29T00:00:00+14:00", "2100-03-01T00:00:00+00:00"]
    for s in stamps:
        got = epoch_seconds([s])
        assert got is not None and got.tolist() == [one_by_one(s)], s
    assert epoch_seconds(["2100-02-29T00:00:00+00:00"]) is None  # 2100 is not a leap year


def test_the_layout_cache_stays_small_whatever_clients_send():
    """Letters in the digit columns are refused, and do not each leave a cached layout behind."""
    from app import stamps

    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(2000):
        junk = f"{letters[i % 26]}{letters[i // 26 % 26]}24-05-01T10:00:00.{i % 1000:03d}Z"
        assert epoch_seconds([junk] * 3) is None
    assert len(stamps._LAYOUTS) <= 13 * 3 * 4
