"""Librato chart tokens (seed librato-chart-tokens.md, wire.md §3.7) and the public pages they
open: create (form and JSON), get, list, delete; revocation seen by the very next request."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import ADMIN, pin_clock
from tests.sharing_factories import dashboard, head, instrument, librato_org, points, token

TOKEN = re.compile(r"^[a-z0-9]{8}$")
FORM = "application/x-www-form-urlencoded"


async def test_create_with_a_form_body_get_and_delete(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    r = await client.post("/v1/charts", headers={**auth, "Content-Type": FORM},
                          data=f"entity_type=instrument&entity_id={inst['id']}")
    assert r.status == 201, await r.text()
    body = await r.json()
    assert TOKEN.match(body["token"]) and not body["token"].isdigit()
    assert r.headers["Location"] == f"/v1/charts/{body['token']}"
    assert (body["entity_id"], body["entity_type"]) == (inst["id"], "instrument")
    assert body["url"].endswith(f"/share/instruments/{body['token']}")

    r = await client.get(f"/v1/charts/{body['token']}", headers=auth)
    assert r.status == 200 and await r.json() == body

    page = f"/share/instruments/{body['token']}"
    assert (await client.get(page)).status == 200
    r = await client.delete(f"/v1/charts/{body['token']}", headers=auth)
    assert r.status == 204
    # the very next request: no token, no page, no image; the instrument itself stays
    assert (await client.get(f"/v1/charts/{body['token']}", headers=auth)).status == 404
    r = await client.get(page)
    assert r.status == 404 and r.content_type == "text/html"
    assert (await client.get(page + ".svg")).status == 404
    assert (await client.get(f"/v1/instruments/{inst['id']}", headers=auth)).status == 200
    r = await client.delete(f"/v1/charts/{body['token']}", headers=auth)
    assert r.status == 404 and "errors" in await r.json()


async def test_json_body_and_dashboard_token(client):
    auth = await librato_org(client)
    a, b = await instrument(client, auth, "alpha"), await instrument(client, auth, "beta", metric="mem")
    d = await dashboard(client, auth, [a["id"], b["id"]], name="Ops <board>")
    tok = await token(client, auth, "dashboard", d["id"])
    assert tok["entity_type"] == "dashboard" and tok["url"].endswith(f"/share/dashboards/{tok['token']}")
    r = await client.get(f"/share/dashboards/{tok['token']}")
    assert r.status == 200
    text = await r.text()
    assert text.count("<svg") == 2 and "Ops &lt;board&gt;" in text and "<board>" not in text
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Referrer-Policy"] == "no-referrer"
    # a dashboard token does not open instrument pages, nor the other way round
    assert (await client.get(f"/share/instruments/{tok['token']}")).status == 404


async def test_deleting_the_entity_closes_its_tokens(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    d = await dashboard(client, auth, [inst["id"]])
    ti, td = await token(client, auth, "instrument", inst["id"]), await token(client, auth, "dashboard", d["id"])
    assert (await client.delete(f"/v1/dashboards/{d['id']}", headers=auth)).status == 204
    assert (await client.get(f"/share/dashboards/{td['token']}")).status == 404
    assert (await client.get(f"/v1/charts/{td['token']}", headers=auth)).status == 404
    assert (await client.get(f"/share/instruments/{ti['token']}")).status == 200
    assert (await client.delete(f"/v1/instruments/{inst['id']}", headers=auth)).status == 204
    assert (await client.get(f"/share/instruments/{ti['token']}")).status == 404
    assert (await client.get(f"/share/instruments/{ti['token']}.png")).status == 404
    listing = await (await client.get("/v1/charts", headers=auth)).json()
    assert listing["charts"] == [] and listing["query"]["total"] == 0


async def test_list_paginates_orders_by_token_and_searches(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    tokens = sorted([(await token(client, auth, "instrument", inst["id"]))["token"] for _ in range(5)])
    r = await client.get("/v1/charts", headers=auth)
    body = await r.json()
    assert body["query"] == {"found": 5, "length": 5, "offset": 0, "total": 5}
    assert [c["token"] for c in body["charts"]] == tokens
    assert set(body["charts"][0]) >= {"token", "entity_id", "entity_type"}

    r = await client.get("/v1/charts?offset=1&length=2&orderby=token&sort=desc", headers=auth)
    body = await r.json()
    assert [c["token"] for c in body["charts"]] == tokens[::-1][1:3]
    assert body["query"] == {"found": 5, "length": 2, "offset": 1, "total": 5}

    needle = tokens[2][2:6].upper()  # a substring, in the other case
    body = await (await client.get(f"/v1/charts?token={needle}", headers=auth)).json()
    assert tokens[2] in [c["token"] for c in body["charts"]]
    assert all(needle.lower() in c["token"] for c in body["charts"])
    assert body["query"]["total"] == 5 and body["query"]["found"] == len(body["charts"])


@pytest.mark.parametrize("query, field", [
    ("length=101", "length"), ("length=0", "length"), ("length=x", "length"), ("offset=-1", "offset"),
    ("orderby=entity_id", "orderby"), ("orderby=name", "orderby"), ("sort=up", "sort"),
    ("length=%EF%BC%91", "length"), ("offset=" + "9" * 400, "offset")])  # a full-width 1; 400 digits
async def test_bad_pagination_is_refused(client, query, field):
    auth = await librato_org(client)
    r = await client.get(f"/v1/charts?{query}", headers=auth)
    assert r.status == 400
    assert field in (await r.json())["errors"]["params"]


async def test_bad_input_is_refused_and_nothing_is_stored(client):
    auth = await librato_org(client)
    other = await librato_org(client, "globex", email="boss@globex.example")
    inst = await instrument(client, auth)
    foreign = await instrument(client, other)
    foreign_dash = await dashboard(client, other, [foreign["id"]])
    cases = [
        ({"entity_type": "instrument", "entity_id": 999}, "entity_id"),
        ({"entity_type": "instrument", "entity_id": foreign["id"]}, "entity_id"),
        ({"entity_type": "dashboard", "entity_id": foreign_dash["id"]}, "entity_id"),
        ({"entity_type": "dashboard", "entity_id": inst["id"]}, "entity_id"),  # an instrument is not a dashboard
        ({"entity_type": "space", "entity_id": inst["id"]}, "entity_type"),
        ({"entity_type": ["instrument"], "entity_id": inst["id"]}, "entity_type"),
        ({"entity_id": inst["id"]}, "entity_type"),
        ({"entity_type": "instrument"}, "entity_id"),
        ({"entity_type": "instrument", "entity_id": "12x"}, "entity_id"),
        ({"entity_type": "instrument", "entity_id": True}, "entity_id"),
        ({"entity_type": "instrument", "entity_id": -1}, "entity_id"),
    ]
    before = await head(client)
    for body, field in cases:
        r = await client.post("/v1/charts", headers=auth, json=body)
        assert r.status == 400, (body, await r.text())
        assert field in (await r.json())["errors"]["params"], body
    r = await client.post("/v1/charts", headers={**auth, "Content-Type": FORM}, data="entity_type=instrument&entity_id=abc")
    assert r.status == 400 and "entity_id" in (await r.json())["errors"]["params"]
    r = await client.post("/v1/charts", headers={**auth, "Content-Type": "application/json"}, data=b"{not json")
    assert r.status == 400 and "errors" in await r.json()
    assert await head(client) == before


async def test_tokens_are_private_to_their_organization_and_need_the_scope(client):
    auth = await librato_org(client)
    other = await librato_org(client, "globex", email="boss@globex.example")
    reader = await librato_org(client, "initech", email="r@initech.example", scopes=["charts:read"])
    tok = await token(client, auth, "instrument", (await instrument(client, auth))["id"])
    assert (await client.get(f"/v1/charts/{tok['token']}", headers=other)).status == 404
    assert (await client.delete(f"/v1/charts/{tok['token']}", headers=other)).status == 404
    assert (await (await client.get("/v1/charts", headers=other)).json())["charts"] == []
    assert (await client.get("/v1/charts", headers=reader)).status == 403
    assert (await client.get("/v1/charts")).status == 401
    assert (await client.get(f"/share/instruments/{tok['token']}")).status == 200  # still public


async def test_public_page_image_and_query_parameters(client):
    auth = await librato_org(client)
    now = pin_clock(client)  # the If-None-Match below must see the same default window
    await points(client, auth, now - 1800, [1, 5, 3, 8, 2])
    inst = await instrument(client, auth)
    tok = (await token(client, auth, "instrument", inst["id"]))["token"]
    r = await client.get(f"/share/instruments/{tok}?duration=86400")
    assert r.status == 200 and r.content_type == "text/html"
    text = await r.text()
    assert "CPU &lt;load&gt; &amp; &quot;more&quot;" in text and "<load>" not in text
    assert 'class="on">1 day' in text or "class=on>1 day" in text

    r = await client.get(f"/share/instruments/{tok}.svg?duration=3600")
    assert r.status == 200 and r.content_type == "image/svg+xml"
    svg = await r.read()
    assert svg.startswith(b"<svg") and (b"polyline" in svg or b"<path" in svg)
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    r = await client.get(f"/share/instruments/{tok}.svg?duration=3600", headers={"If-None-Match": etag})
    assert r.status == 304

    r = await client.get(f"/share/instruments/{tok}.png?width=300&height=150&end_time={int(now)}")
    assert r.status == 200 and r.content_type == "image/png"
    png = await r.read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (300, 150)

    for bad in ("duration=-5", "duration=abc", "duration=999999999999", "end_time=yesterday", "width=10"):
        r = await client.get(f"/share/instruments/{tok}.svg?{bad}")
        assert r.status == 400 and r.content_type == "text/html", bad
    assert (await client.get("/share/instruments/nosuchtk")).status == 404
    assert (await client.get("/share/instruments/NOSUCH")).status == 404


async def test_the_audit_shows_who_created_and_who_revoked_each_token(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    tok = (await token(client, auth, "instrument", inst["id"]))["token"]
    await client.delete(f"/v1/charts/{tok}", headers=auth)
    keys = await (await client.get("/admin/keys", headers=ADMIN)).json()
    r = await client.get("/admin/events?entity=share-*", headers=ADMIN)
    events = (await r.json())["events"]
    mine = [(e["type"], e["actor"]) for e in events if e["entity"] == f"share-{tok}"]
    actor = mine[0][1]
    assert mine == [("share.created", actor), ("share.revoked", actor)]
    assert actor.startswith("key-") and int(actor[4:]) in [k["id"] for k in keys["keys"]]


async def test_renders_that_miss_the_cache_are_bounded(client):
    import contextlib

    from app.sharing.runner import RENDERS

    auth = await librato_org(client)
    tok = (await token(client, auth, "instrument", (await instrument(client, auth))["id"]))["token"]
    assert (await client.get(f"/share/instruments/{tok}.svg?duration=600")).status == 200  # now cached
    slots = client.app[RENDERS].slots
    slots.queue = 0
    async with contextlib.AsyncExitStack() as busy:
        for _ in range(slots.limit):  # every slot busy, and no room to wait
            await busy.enter_async_context(slots.take())
        r = await client.get(f"/share/instruments/{tok}.svg?duration=7200")
        assert r.status == 429 and r.headers["Retry-After"] == "1" and r.content_type == "text/html"
        assert (await client.get(f"/share/instruments/{tok}.svg?duration=600")).status == 200
    assert (await client.get(f"/share/instruments/{tok}.svg?duration=7200")).status == 200


async def test_a_picture_is_reused_for_a_moment_then_shows_new_data(client):
    from app.sharing.runner import RENDERS

    auth = await librato_org(client)
    now = time.time()
    await points(client, auth, now - 1200, [1, 2, 3])
    inst = await instrument(client, auth)
    tok = (await token(client, auth, "instrument", inst["id"]))["token"]
    path = f"/share/instruments/{tok}.svg?duration=3600&end_time={int(now) + 60}"
    renders = client.app[RENDERS]
    renders.fresh = 3600.0  # every later request falls within the moment
    first = (await client.get(path)).headers["ETag"]
    await points(client, auth, now - 600, [42])
    assert (await client.get(path)).headers["ETag"] == first  # coalesced: drawn once
    renders.fresh = 0.0
    second = (await client.get(path)).headers["ETag"]
    assert second != first  # the new point shows
    r = await client.put(f"/v1/instruments/{inst['id']}", headers=auth, json={"name": "renamed"})
    assert r.status == 204
    renders.fresh = 3600.0
    assert (await client.get(path)).headers["ETag"] != second  # an edit of the chart shows at once


async def test_a_dashboard_page_shows_text_tiles_escaped_and_says_when_it_is_empty(client):
    from app.http import RUNTIME
    from events.base import Pending
    from events.dashboards import Tile, TileAdded

    auth = await librato_org(client)
    empty = await dashboard(client, auth, [], name="Nothing yet")
    tok = (await token(client, auth, "dashboard", empty["id"]))["token"]
    assert "This dashboard has no charts." in await (await client.get(f"/share/dashboards/{tok}")).text()
    # a text tile, as other dialects' dashboards (spaces, PostHog, Grafana) may hold
    added = TileAdded(dashboard_id=empty["id"], tile=Tile(kind="text", text="<script>x</script> & notes"))
    await client.app[RUNTIME].append([Pending(f"dashboard-{empty['id']}", (added,))], actor="test")
    text = await (await client.get(f"/share/dashboards/{tok}")).text()
    assert "&lt;script&gt;x&lt;/script&gt; &amp; notes" in text and "<script>" not in text


async def test_a_dashboard_of_many_charts_does_not_fill_the_render_queue(client):
    """A page drew all its tiles at once: with more tiles than slots and room to wait, its own
    first view was 429 (and every other share's, meanwhile)."""
    from app.sharing.runner import RENDERS

    auth = await librato_org(client)
    await points(client, auth, time.time() - 3000, [1, 2, 3])
    ids = [(await instrument(client, auth, name=f"c{i}"))["id"] for i in range(12)]
    tok = (await token(client, auth, "dashboard", (await dashboard(client, auth, ids))["id"]))["token"]
    client.app[RENDERS].slots.queue = 0  # 4 drawing, none waiting
    r = await client.get(f"/share/dashboards/{tok}?duration=3600")
    assert r.status == 200, r.status
    assert (await r.text()).count("<svg") == 12
