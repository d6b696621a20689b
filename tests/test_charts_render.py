"""render_chart, the one way any chart is drawn (M2X renders now, Librato chart tokens and
snapshots later): a Librato instrument's source globs, group functions and breakouts, over data
written through the Librato API."""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET

import msgspec
import numpy as np
import pytest

from app.charts import commands
from app.charts.data import Sampling, gather_series, sampling
from app.charts.render import check_params, render_chart
from app.errors import Invalid
from app.http import RUNTIME
from tests.conftest import make_org_key
from tests.m2x_chart_factories import png_size

SVG = "{http://www.w3.org/2000/svg}"


async def _instrument(client, streams):
    made = await make_org_key(client, "acme")
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    h = {"Authorization": f"Basic {token}"}
    t0 = int(time.time()) // 60 * 60 - 3600
    gauges = []
    for i in range(10):
        for source, value in (("web-1", 1.0), ("web-2", 10.0), ("db-1", 100.0)):
            gauges.append({"name": "cpu", "source": source, "value": value + i, "measure_time": t0 + i * 60})
    r = await client.post("/v1/metrics", json={"gauges": gauges}, headers=h)
    assert r.status < 300, await r.text()
    r = await client.post("/v1/instruments", json={"name": "CPU", "streams": streams}, headers=h)
    assert r.status == 201, await r.text()
    rt = client.server.app[RUNTIME]
    return rt, rt["charts"].get(made["org"]["id"], (await r.json())["id"]), t0


async def test_glob_grouped_by_sum(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "web-*", "group_function": "sum"}])
    (series,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())
    assert series.name == "cpu"
    assert list(series.times) == [t0 + i * 60 for i in range(10)]
    assert list(series.values) == [11.0 + 2 * i for i in range(10)]  # web-1 + web-2, db-1 left out


async def test_librato_metric_names_are_case_insensitive(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "CPU", "source": "db-1"}])
    (series,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())
    assert list(series.values) == [100.0 + i for i in range(10)]


async def test_glob_broken_out_and_exact_source(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "web-*", "group_function": "breakout"},
                                               {"metric": "cpu", "source": "db-1", "name": "database"}])
    series = await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())
    assert [s.name for s in series] == ["cpu (web-1)", "cpu (web-2)", "database"]
    assert [float(s.values[0]) for s in series] == [1.0, 10.0, 100.0]
    svg = (await render_chart(rt, chart, t0 - 60, t0 + 660, fmt="svg")).decode()
    root = ET.fromstring(svg)
    text = " ".join("".join(el.itertext()) for el in root.iter(f"{SVG}text"))
    assert "cpu (web-1)" in text and "database" in text
    png = await render_chart(rt, chart, t0 - 60, t0 + 660, width=400, height=200, fmt="png")
    assert png_size(png) == (400, 200)


async def test_average_by_default_and_sampled(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "*"}])
    (series,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())
    assert list(series.values) == [37.0 + i for i in range(10)]  # mean of 1, 10, 100 (+i)
    (hourly,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, sampling("max", 3600))
    # each source sampled first (its max per hour), then the sources averaged: (10 + 19 + 109) / 3
    assert len(hourly.times) <= 2 and float(hourly.values.max()) == 46.0


async def test_bad_render_parameters(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu"}])
    for kwargs in ({"fmt": "gif"}, {"width": 10}, {"height": 5000}, {"start": t0, "end": t0}):
        with pytest.raises(Invalid):
            await render_chart(rt, chart, **{"start": t0, "end": t0 + 60, **kwargs})
    for args in (("median",), ("avg", 0), ("values", 60, 0)):
        with pytest.raises(Invalid):
            sampling(*args)
    assert sampling("values", 60, 50_000).limit == 10_000
    with pytest.raises(Invalid):
        check_params(float("nan"), 1.0, 600, 300, "png", Sampling(), 0.0)
    assert commands.charts_view(rt).by_uid_any(chart.uid) is chart


def test_empty_buckets_break_the_line():
    import numpy as np

    from app.charts.data import break_at_empty_buckets

    t, v = break_at_empty_buckets(np.array([0.0, 60.0, 240.0, 300.0]), np.array([1.0, 2.0, 3.0, 4.0]), 60)
    assert list(t) == [0.0, 60.0, 120.0, 240.0, 300.0]
    assert np.isnan(v[2]) and list(v[[0, 1, 3, 4]]) == [1.0, 2.0, 3.0, 4.0]
    same = np.array([0.0, 60.0]), np.array([1.0, 2.0])
    assert break_at_empty_buckets(*same, 60)[0] is same[0]  # nothing missing: untouched


async def test_an_aggregated_gap_is_drawn_as_a_gap(client):
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "web-1"}])
    (series,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, sampling("avg", 60))
    assert not np.isnan(series.values).any()  # ten minutes in a row: no gap
    (coarse,) = await gather_series(rt, chart, t0 - 1, t0 + 3600, sampling("nth", 3))
    assert len(coarse.times) == 4 and not np.isnan(coarse.values).any()  # nth is not bucketed


async def _many_sources(client, n: int, group: str = "sum"):
    """An organization with ``n`` sources of ``cpu`` (one point each) and an instrument over them
    all, grouped by ``group`` (``breakout``: a line each)."""
    made = await make_org_key(client, "many")
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    h = {"Authorization": f"Basic {token}"}
    t0 = int(time.time()) - 600
    for first in range(0, n, 500):
        gauges = [{"name": "cpu", "source": f"h-{i}", "value": i, "measure_time": t0} for i in range(first, min(n, first + 500))]
        r = await client.post("/v1/metrics", json={"gauges": gauges}, headers=h)
        assert r.status < 300, await r.text()
    r = await client.post("/v1/instruments", headers=h, json={
        "name": "all", "streams": [{"metric": "cpu", "source": "h-*", "group_function": group}]})
    assert r.status == 201, await r.text()
    rt = client.server.app[RUNTIME]
    return rt, rt["charts"].get(made["org"]["id"], (await r.json())["id"]), t0, h


async def test_a_chart_reads_a_bounded_number_of_series(client):
    """A glob over thousands of sources held the server for seconds per drawing, and a public
    link could ask for it again and again: beyond MAX_READ series a chart is refused."""
    from app.charts.data import MAX_PLOTTED, MAX_READ
    rt, chart, t0, h = await _many_sources(client, MAX_READ + 1)  # summed: every source is read
    with pytest.raises(Invalid) as refused:
        await gather_series(rt, chart, t0 - 60, t0 + 60, Sampling())
    assert refused.value.field == "sources" and refused.value.reason == "too_many"
    r = await client.post("/v1/charts", headers=h, json={"entity_type": "instrument", "entity_id": chart.id})
    page = await client.get(f"/share/instruments/{(await r.json())['token']}.png")
    assert page.status == 400
    # broken out, a line each: only the lines drawn are read, so the same glob is drawn
    broken = msgspec.structs.replace(chart, series=tuple(
        msgspec.structs.replace(s, group_function="breakout") for s in chart.series))
    drawn = await gather_series(rt, broken, t0 - 60, t0 + 60, Sampling())
    first = sorted(f"h-{i}" for i in range(MAX_READ + 1))[:MAX_PLOTTED]  # sources in name order
    assert [d.name for d in drawn] == [f"cpu ({src})" for src in first]


async def test_gathering_a_chart_hands_the_event_loop_back(client, monkeypatch):
    """Reading a chart runs on the loop; between series it lets other work run."""
    import asyncio
    from app.charts import data
    from app.charts.data import gather_series
    rt, chart, t0, _ = await _many_sources(client, 300)
    monkeypatch.setattr(data, "YIELD_EVERY", 0.0)  # hand back after every series
    ticks = 0

    async def other_work():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    start = ticks
    drawn = await gather_series(rt, chart, t0 - 60, t0 + 60, Sampling())
    other.cancel()
    assert len(drawn) == 1 and ticks - start >= 300  # the sum of 300 sources, read one by one


async def test_globs_are_tried_on_a_bounded_number_of_sources(client, monkeypatch):
    """Globs that match nothing cost their scan all the same: 100 of them over 50,000 sources
    held the server for a second per drawing. Beyond MAX_SCAN sources tried, a chart is refused."""
    from app.charts import data
    rt, chart, t0, _ = await _many_sources(client, 600)
    monkeypatch.setattr(data, "MAX_SCAN", 1000)
    nothing = msgspec.structs.replace(chart, series=tuple(
        msgspec.structs.replace(chart.series[0], source=f"none-{i}-*") for i in range(2)))
    with pytest.raises(Invalid) as refused:
        await gather_series(rt, nothing, t0 - 60, t0 + 60, Sampling())
    assert refused.value.field == "sources" and refused.value.reason == "too_many"
    one = msgspec.structs.replace(nothing, series=nothing.series[:1])
    assert [len(s.times) for s in await gather_series(rt, one, t0 - 60, t0 + 60, Sampling())] == [0]


async def test_a_drawn_series_has_a_bounded_number_of_points(client):
    """An M2X chart over a long stream with 1-second buckets over all time made one drawing
    hold hundreds of megabytes, and hashing them held the event loop. More than MAX_POINTS
    points of one series are refused; a sparse series is not (empty buckets are not drawn)."""
    from app.charts.data import MAX_POINTS
    made = await make_org_key(client, "far")
    h = {"Authorization": "Basic " + base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()}
    t0 = int(time.time()) - 4 * MAX_POINTS
    sparse = [{"name": "cpu", "source": "sparse", "value": 1, "measure_time": t0 + k * MAX_POINTS} for k in range(3)]
    dense = [{"name": "cpu", "source": "dense", "value": 1, "measure_time": t0 + k} for k in range(MAX_POINTS + 1)]
    for i in range(0, len(dense), 10_000):
        assert (await client.post("/v1/metrics", json={"gauges": dense[i:i + 10_000]}, headers=h)).status < 300
    assert (await client.post("/v1/metrics", json={"gauges": sparse}, headers=h)).status < 300
    rt = client.server.app[RUNTIME]
    charts = {}
    for source in ("sparse", "dense"):
        r = await client.post("/v1/instruments", headers=h, json={
            "name": source, "streams": [{"metric": "cpu", "source": source}]})
        charts[source] = rt["charts"].get(made["org"]["id"], (await r.json())["id"])
    window = (t0 - 1, t0 + 3 * MAX_POINTS)
    for fine in (sampling("avg", 1), sampling("nth", 1)):
        with pytest.raises(Invalid) as refused:
            await gather_series(rt, charts["dense"], *window, fine)
        assert refused.value.field == "interval" and refused.value.reason == "too_small"
        assert len((await gather_series(rt, charts["sparse"], *window, fine))[0].values) >= 3  # 3 points, 40,001 buckets
    (coarse,) = await gather_series(rt, charts["dense"], *window, sampling("avg", 60))
    assert np.nansum(coarse.values) > 0


async def test_a_dashboard_tile_that_cannot_be_drawn_says_so_in_its_place(client):
    """One tile refused (too many series) made the whole shared page 400."""
    from app.charts.data import MAX_READ
    rt, chart, t0, h = await _many_sources(client, MAX_READ + 1)
    r = await client.post("/v1/dashboards", headers=h, json={"name": "Ops", "instruments": [chart.id]})
    r = await client.post("/v1/charts", headers=h, json={"entity_type": "dashboard", "entity_id": (await r.json())["id"]})
    page = await client.get(f"/share/dashboards/{(await r.json())['token']}")
    assert page.status == 200
    assert "narrow its sources" in await page.text()


async def test_a_drawing_outlives_the_request_that_started_it(client):
    """Who asked first for a picture may leave (a client gone, a dashboard page's tiles
    cancelled): the others waiting for the same picture still get it."""
    import asyncio

    from app.charts.render import cache_for
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "db-1"}])
    cache = cache_for(rt)
    p = check_params(t0 - 60, t0 + 660, 600, 300, "png", Sampling(), rt.now())
    prepared = await cache.prepare(rt, chart, p)
    first = asyncio.ensure_future(cache.body(rt, chart, p, prepared))
    second = asyncio.ensure_future(cache.body(rt, chart, p, prepared))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not first.done()
    first.cancel()
    png = await asyncio.wait_for(second, 30)
    assert png_size(png) == (600, 300)


async def test_a_drawing_reads_a_bounded_number_of_points(client, monkeypatch):
    """A sum over 1,000 sources of raw values (the M2X render path renders any chart) joined
    and sorted millions of points in one step on the event loop."""
    from app.charts import data
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "web-*", "group_function": "sum"}])
    assert await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())  # 2 sources x 10 points
    monkeypatch.setattr(data, "MAX_POINTS_READ", 15)
    with pytest.raises(Invalid) as refused:
        await gather_series(rt, chart, t0 - 1, t0 + 3600, Sampling())
    assert refused.value.field == "sources" and refused.value.reason == "too_many"


async def test_a_drawing_nobody_waits_for_stops_and_waiting_drawings_are_bounded(client):
    """Drawings outlived every client that asked for them (a server stayed busy a minute after
    its clients left), and any number waited for a drawing thread, each holding its data."""
    import asyncio
    import contextlib

    from app.charts.render import TooBusy, cache_for
    rt, chart, t0 = await _instrument(client, [{"metric": "cpu", "source": "db-1"}])
    cache = cache_for(rt)
    p = check_params(t0 - 60, t0 + 660, 600, 300, "png", Sampling(), rt.now())
    prepared = await cache.prepare(rt, chart, p)
    drawn = cache.renders
    alone = asyncio.ensure_future(cache.body(rt, chart, p, prepared))
    for _ in range(3):
        await asyncio.sleep(0)
    alone.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await alone
    for _ in range(3):
        await asyncio.sleep(0)
    assert not cache.busy.is_set() and cache.renders == drawn  # stopped, not drawn for nobody
    cache.slots.queue = 0
    async with contextlib.AsyncExitStack() as held:
        for _ in range(cache.slots.limit):  # every drawing thread taken, no room to wait
            await held.enter_async_context(cache.slots.take())
        with pytest.raises(TooBusy):
            await cache.body(rt, chart, p, prepared)
    assert png_size(await cache.body(rt, chart, p, prepared)) == (600, 300)
