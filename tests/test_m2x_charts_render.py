"""The public M2X chart render: GET /v2/charts/{id}.png|svg, its parameters, HTTP caching, and
rendering off the event loop."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET

from app.charts.render import cache_for
from app.http import RUNTIME
from app.times import iso
from tests.conftest import make_org_key, pin_clock
from tests.m2x_chart_factories import make_chart, make_device, png_size, position, post_values

SVG = "{http://www.w3.org/2000/svg}"
HOUR = 3600.0


async def _chart_with_data(client, n=200):
    key = (await make_org_key(client, "acme"))["key"]
    dev = await make_device(client, key, "Greenhouse", {"temperature": "C", "humidity": "%"})
    now = time.time()
    await post_values(client, key, dev, "temperature", [(now - HOUR * 20 + i * 300, 20 + (i % 17)) for i in range(n)])
    await post_values(client, key, dev, "humidity", [(now - HOUR * 20 + i * 300, 50 - (i % 11)) for i in range(n)])
    chart = await make_chart(client, key, [(dev, "temperature"), (dev, "humidity")], "Greenhouse")
    return key, dev, chart


async def test_svg_is_valid_xml_of_the_asked_size(client):
    _, _, chart = await _chart_with_data(client)
    r = await client.get(f"/v2/charts/{chart['id']}.svg?width=640&height=320")
    assert r.status == 200 and r.content_type == "image/svg+xml"
    root = ET.fromstring(await r.read())
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("640", "320")
    text = " ".join("".join(el.itertext()) for el in root.iter(f"{SVG}text"))
    assert "Greenhouse" in text and "temperature" in text and "humidity" in text


async def test_png_has_the_asked_size_and_defaults_to_600x300(client):
    _, _, chart = await _chart_with_data(client)
    r = await client.get(f"/v2/charts/{chart['id']}.png")
    assert r.status == 200 and r.content_type == "image/png"
    assert png_size(await r.read()) == (600, 300)
    r = await client.get(f"/v2/charts/{chart['id']}.png?width=321&height=123")
    assert png_size(await r.read()) == (321, 123)


async def test_every_type_renders_and_sampling_changes_the_picture(client):
    _, _, chart = await _chart_with_data(client)
    etags = set()
    for kind in ("values", "nth", "min", "max", "count", "avg", "sum"):
        r = await client.get(f"/v2/charts/{chart['id']}.svg?type={kind}&interval=3600")
        assert r.status == 200, (kind, await r.text())
        ET.fromstring(await r.read())
        etags.add(r.headers["ETag"])
    assert len(etags) == 7
    a = await client.get(f"/v2/charts/{chart['id']}.svg?limit=10")
    b = await client.get(f"/v2/charts/{chart['id']}.svg?limit=20000")  # above 10000: the 10000 most recent
    c = await client.get(f"/v2/charts/{chart['id']}.svg?limit=10000")
    assert a.status == b.status == c.status == 200
    assert a.headers["ETag"] != c.headers["ETag"] and b.headers["ETag"] == c.headers["ETag"]


async def test_start_and_end_pick_the_window(client):
    _, _, chart = await _chart_with_data(client)
    now = time.time()
    empty = await client.get(f"/v2/charts/{chart['id']}.svg",
                             params={"start": iso(now - 90 * 86400), "end": iso(now - 80 * 86400)})
    assert empty.status == 200
    root = ET.fromstring(await empty.read())
    assert any("No data" in "".join(el.itertext()) for el in root.iter(f"{SVG}text"))
    full = await client.get(f"/v2/charts/{chart['id']}.svg", params={"start": iso(now - 86400), "end": iso(now)})
    assert full.headers["ETag"] != empty.headers["ETag"]


async def test_bad_parameters_are_422_and_never_5xx(client):
    _, _, chart = await _chart_with_data(client)
    before = await position(client)
    base = f"/v2/charts/{chart['id']}"
    now = time.time()
    cases = {
        "type": f"{base}.png?type=median",
        "interval": f"{base}.png?type=avg&interval=0",
        "limit": f"{base}.png?limit=-1",
        "width": f"{base}.png?width=100000",
        "height": f"{base}.png?height=10",
        "start": f"{base}.png?start={iso(now)}&end={iso(now - 3600)}",
        "end": f"{base}.png?end=yesterday",
        "format": f"{base}.gif",
    }
    for field, url in cases.items():
        r = await client.get(url)
        assert r.status == 422, (field, r.status, await r.text())
        body = await r.json()
        assert body["message"] == "Validation Failed" and field in body["errors"], (field, body)
        # M2X's reasons are codes (invalid, out_of_range), also where the check is shared
        assert all(" " not in reason for reason in body["errors"][field]), (field, body)
    for url in (f"{base}.png?width=abc", f"{base}.png?interval=1.5", f"{base}.png?start=2020-13-45T00:00:00Z",
                f"{base}.png?start=99999-01-01", f"{base}.png?width=-5", f"{base}.svg?height=4001"):
        r = await client.get(url)
        assert 400 <= r.status < 500, (url, r.status)
    assert (await client.get("/v2/charts/nothere.png")).status == 404
    assert await position(client) == before


async def test_etag_304_and_cache_control(client):
    key, dev, chart = await _chart_with_data(client)
    now = pin_clock(client)  # the default window ends at the clock's 10 s step: keep it still
    cache = cache_for(client.server.app[RUNTIME])
    url = f"/v2/charts/{chart['id']}.png"
    r = await client.get(url)
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "public, max-age=10"  # the default window ends now
    renders = cache.renders
    r = await client.get(url)
    assert r.headers["ETag"] == etag and cache.renders == renders  # served from the cache, not redrawn
    r = await client.get(url, headers={"If-None-Match": etag})
    assert r.status == 304 and await r.read() == b"" and r.headers["ETag"] == etag
    r = await client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert r.status == 304

    # a past window is cached longer
    past = await client.get(url, params={"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"})
    assert past.headers["Cache-Control"] == "public, max-age=3600"

    # new data changes the ETag
    await post_values(client, key, dev, "temperature", [(now - 5, 99.0)])
    r = await client.get(url, headers={"If-None-Match": etag})
    assert r.status == 200 and r.headers["ETag"] != etag
    etag2 = r.headers["ETag"]
    # data of another series does not
    other = await make_device(client, key, "Elsewhere", {"pressure": None})
    await post_values(client, key, other, "pressure", [(now - 5, 1.0)])
    r = await client.get(url, headers={"If-None-Match": etag2})
    assert r.status == 304
    # a chart change does
    r = await client.put(f"/v2/charts/{chart['id']}", headers={"X-M2X-KEY": key},
                         json={"name": "Renamed", "series": [{"device": dev, "stream": "temperature"}]})
    assert r.status == 204
    r = await client.get(url, headers={"If-None-Match": etag2})
    assert r.status == 200 and r.headers["ETag"] != etag2
    # and so do the parameters
    r2 = await client.get(url + "?width=601")
    assert r2.headers["ETag"] != r.headers["ETag"]


async def test_other_requests_are_answered_while_a_large_png_renders(client):
    key = (await make_org_key(client, "acme"))["key"]
    dev = await make_device(client, key, "Big", {"a": None, "b": None, "c": None})
    now = time.time()
    for stream in ("a", "b", "c"):
        points = [(now - 86000 + i * 8, (i * 7919 % 1000) / 10) for i in range(10000)]
        await post_values(client, key, dev, stream, points)
    chart = await make_chart(client, key, [(dev, "a"), (dev, "b"), (dev, "c")], "Big")
    cache = cache_for(client.server.app[RUNTIME])
    big = asyncio.ensure_future(client.get(f"/v2/charts/{chart['id']}.png?width=4000&height=4000&limit=10000"))
    await asyncio.wait_for(cache.busy.wait(), 30)  # the PNG is being drawn now
    answered_while_rendering = 0
    for _ in range(5):
        r = await client.get("/healthz")
        assert r.status == 200
        # were we answered while the PNG was still being drawn? (a render on the loop would
        # hold this request until it had finished and cleared ``busy``)
        answered_while_rendering += cache.busy.is_set()
    assert answered_while_rendering >= 1
    r = await big
    assert r.status == 200 and png_size(await r.read()) == (4000, 4000)


async def test_too_busy_is_429_in_every_dialect(client):
    """Renders beyond those drawing and waiting are refused as 429, in each API's own shape
    (the server's dialects are known once it is made: the fixture makes it)."""
    import json

    from app.charts.render import TooBusy
    from app.http import dialect_for
    for path, shape in (("/v2/charts/x.png", "message"), ("/v1/snapshots", "errors"), ("/share/instruments/x", None),
                        ("/admin/orgs", "error")):
        r = dialect_for(path).error(TooBusy("too many charts are being drawn right now"))
        assert r.status == 429, path
        if shape:
            assert shape in json.loads(r.body), path
