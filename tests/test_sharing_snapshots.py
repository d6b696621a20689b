"""Librato snapshots and jobs (seed librato-snapshots.md, wire.md §3.1): 202 with the seed's
body, a background job that draws the PNG, the PNG at a public immutable address."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.sharing import commands
from app.sharing.runner import RUNNER
from app.http import RUNTIME
from tests.conftest import ADMIN
from tests.sharing_factories import head, instrument, librato_org, points

FORM = "application/x-www-form-urlencoded"


async def drained(client) -> None:
    await asyncio.wait_for(client.app[RUNNER].drained(), 30)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


async def test_snapshot_lifecycle_with_the_seed_body(client):
    auth = await librato_org(client)
    now = time.time()
    await points(client, auth, now - 3000, [3, 1, 4, 1, 5, 9, 2, 6])
    inst = await instrument(client, auth)
    r = await client.post("/v1/snapshots", headers=auth,
                          json={"subject": {"chart": {"id": inst["id"], "type": "stacked"}}})
    assert r.status == 202, await r.text()
    snap = await r.json()
    snap_id = int(snap["href"].rsplit("/", 1)[1])
    assert r.headers["Location"] == f"/v1/snapshots/{snap_id}"
    assert snap["href"].endswith(f"/v1/snapshots/{snap_id}") and snap["href"].startswith("http")
    assert snap["image_href"] is None
    assert snap["duration"] == 3600
    assert abs(time.mktime(time.strptime(snap["end_time"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone - now) < 5
    assert snap["created_at"] == snap["updated_at"]
    assert snap["subject"] == {"chart": {"id": inst["id"], "sources": ["*"], "type": "stacked"}}
    job_path = "/v1/jobs/" + snap["job_href"].rsplit("/", 1)[1]

    await drained(client)
    job = await (await client.get(job_path, headers=auth)).json()
    assert job == {"id": int(job_path.rsplit("/", 1)[1]), "state": "complete", "progress": 100.0}
    done = await (await client.get(f"/v1/snapshots/{snap_id}", headers=auth)).json()
    assert done["image_href"] and done["image_href"].endswith(".png")
    assert {k: v for k, v in done.items() if k not in ("image_href", "updated_at")} == {
        k: v for k, v in snap.items() if k not in ("image_href", "updated_at")}

    image = "/" + done["image_href"].split("/", 3)[3]
    r = await client.get(image)  # public: no credentials
    assert r.status == 200 and r.content_type == "image/png"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert png_size(await r.read()) == (600, 300)
    r = await client.get(image, headers={"If-None-Match": r.headers["ETag"]})
    assert r.status == 304
    assert (await client.get(image.replace(image[-8:-4], "0000"))).status == 404


async def test_form_body_sources_duration_and_end_time(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    form = (f"subject[chart][id]={inst['id']}&subject[chart][type]=bignumber&subject[chart][sources][]=web-1"
            "&duration=600&end_time=1700000000")
    r = await client.post("/v1/snapshots", headers={**auth, "Content-Type": FORM}, data=form)
    assert r.status == 202, await r.text()
    snap = await r.json()
    assert snap["duration"] == 600 and snap["end_time"] == "2023-11-14T22:13:20Z"
    assert snap["subject"]["chart"] == {"id": inst["id"], "sources": ["web-1"], "type": "bignumber"}
    r = await client.post("/v1/snapshots", headers=auth, json={
        "subject": {"chart": {"id": inst["id"]}}, "end_time": "2023-11-14T22:13:20Z", "duration": "60"})
    snap = await r.json()
    assert snap["end_time"] == "2023-11-14T22:13:20Z" and snap["duration"] == 60
    assert snap["subject"]["chart"]["type"] == "line"  # the chart's own kind when none is asked


async def test_the_image_shows_the_data_as_of_end_time(client):
    auth = await librato_org(client)
    end = float(int(time.time()) - 600)
    await points(client, auth, end - 1800, [1, 2, 3, 4, 5])
    inst = await instrument(client, auth)
    ask = {"subject": {"chart": {"id": inst["id"], "type": "line"}}, "end_time": int(end), "duration": 3600}

    async def image() -> bytes:
        r = await client.post("/v1/snapshots", headers=auth, json=ask)
        snap_id = (await r.json())["href"].rsplit("/", 1)[1]
        await drained(client)
        href = (await (await client.get(f"/v1/snapshots/{snap_id}", headers=auth)).json())["image_href"]
        return await (await client.get("/" + href.split("/", 3)[3])).read()

    first = await image()
    await points(client, auth, end + 60, [100, 200, 300])  # later points, after end_time
    assert await image() == first
    await points(client, auth, end - 1200, [50])  # a change inside the window does show in a new snapshot
    assert await image() != first


async def test_a_failed_render_ends_failed_with_its_reason(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    rt = client.app[RUNTIME]
    org_id = rt["charts"].by_id(inst["id"]).org_id
    assert (await client.delete(f"/v1/instruments/{inst['id']}", headers=auth)).status == 204
    # a snapshot whose chart was deleted before its job ran (the API refuses to make one now)
    snap = await commands.create_snapshot(rt, org_id, chart_id=inst["id"], kind="line", sources=("*",),
                                          duration=3600, end_time=time.time(), actor="test")
    client.app[RUNNER].wake()
    await drained(client)
    job = await (await client.get(f"/v1/jobs/{snap.job_id}", headers=auth)).json()
    assert job["state"] == "failed"
    assert "deleted" in job["errors"]["chart"][0]
    assert (await (await client.get(f"/v1/snapshots/{snap.id}", headers=auth)).json())["image_href"] is None


async def test_snapshots_and_jobs_are_private_to_their_organization(client):
    auth = await librato_org(client)
    other = await librato_org(client, "globex", email="boss@globex.example")
    inst = await instrument(client, auth)
    snap = await (await client.post("/v1/snapshots", headers=auth,
                                    json={"subject": {"chart": {"id": inst["id"]}}})).json()
    snap_path = "/" + snap["href"].split("/", 3)[3]
    job_path = "/" + snap["job_href"].split("/", 3)[3]
    assert (await client.get(snap_path, headers=other)).status == 404
    assert (await client.get(job_path, headers=other)).status == 404
    assert (await client.get(job_path)).status == 401
    for path in ("/v1/jobs/99999", "/v1/jobs/abc", "/v1/snapshots/99999", "/v1/snapshots/x"):
        r = await client.get(path, headers=auth)
        assert r.status == 404 and "errors" in await r.json()


@pytest.mark.parametrize("body, field", [
    ({}, "subject"),
    ({"subject": "chart"}, "subject"),
    ({"subject": {"chart": {}}}, "subject.chart.id"),
    ({"subject": {"chart": {"id": 9999}}}, "subject.chart.id"),
    ({"subject": {"chart": {"id": "one"}}}, "subject.chart.id"),
    ({"subject": {"chart": {"id": "FOREIGN"}}}, "subject.chart.id"),
    ({"subject": {"chart": {"id": "MINE", "type": "pie"}}}, "subject.chart.type"),
    ({"subject": {"chart": {"id": "MINE", "sources": [1]}}}, "subject.chart.sources"),
    ({"subject": {"chart": {"id": "MINE", "sources": []}}}, "subject.chart.sources"),
    ({"subject": {"chart": {"id": "MINE"}}, "duration": -60}, "duration"),
    ({"subject": {"chart": {"id": "MINE"}}, "duration": 0}, "duration"),
    ({"subject": {"chart": {"id": "MINE"}}, "duration": 10**12}, "duration"),
    ({"subject": {"chart": {"id": "MINE"}}, "duration": "an hour"}, "duration"),
    ({"subject": {"chart": {"id": "MINE"}}, "duration": 1.5}, "duration"),
    ({"subject": {"chart": {"id": "MINE"}}, "end_time": "yesterday"}, "end_time"),
    ({"subject": {"chart": {"id": "MINE"}}, "end_time": 1e20}, "end_time"),
    ({"subject": {"chart": {"id": "MINE"}}, "end_time": {"a": 1}}, "end_time"),
    ({"subject": {"chart": {"id": "MINE"}}, "end_time": 100, "duration": 3600}, "duration"),
])
async def test_bad_input_is_refused_and_nothing_is_stored(client, body, field):
    auth = await librato_org(client)
    other = await librato_org(client, "globex", email="boss@globex.example")
    mine, foreign = await instrument(client, auth), await instrument(client, other)
    chart = body.get("subject", {}).get("chart") if isinstance(body.get("subject"), dict) else None
    if chart and chart.get("id") in ("MINE", "FOREIGN"):
        chart["id"] = mine["id"] if chart["id"] == "MINE" else foreign["id"]
    before = await head(client)
    r = await client.post("/v1/snapshots", headers=auth, json=body)
    assert r.status == 400, await r.text()
    assert field in (await r.json())["errors"]["params"]
    assert await head(client) == before


async def test_the_audit_shows_who_created_each_snapshot(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    snap = await (await client.post("/v1/snapshots", headers=auth,
                                    json={"subject": {"chart": {"id": inst["id"]}}})).json()
    await drained(client)
    n = snap["href"].rsplit("/", 1)[1]
    events = (await (await client.get(f"/admin/events?entity=snapshot-{n}", headers=ADMIN)).json())["events"]
    assert [(e["type"], e["actor"][:4]) for e in events] == [("snapshot.created", "key-"),
                                                             ("snapshot.rendered", "syst")]
    jobs = (await (await client.get(f"/admin/events?entity=job-{n}", headers=ADMIN)).json())["events"]
    assert [e["type"] for e in jobs] == ["job.queued", "job.started", "job.completed"]
    assert jobs[0]["actor"] == events[0]["actor"]


async def test_a_snapshot_and_its_image_survive_a_restart(aiohttp_client, config):
    from app.server import create_app
    client = await aiohttp_client(create_app(config))
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    snap = await (await client.post("/v1/snapshots", headers=auth,
                                    json={"subject": {"chart": {"id": inst["id"]}}})).json()
    await drained(client)
    path = "/" + snap["href"].split("/", 3)[3]
    done = await (await client.get(path, headers=auth)).json()
    png = await (await client.get("/" + done["image_href"].split("/", 3)[3])).read()
    await client.close()

    again = await aiohttp_client(create_app(config))
    assert await (await again.get(path, headers=auth)).json() == done
    assert await (await again.get("/" + done["image_href"].split("/", 3)[3])).read() == png


@pytest.mark.parametrize("body, completed", [
    (b'{"subject": {"chart": {"id": 1}}\n  ', b'{"subject": {"chart": {"id": 1}}}'),
    (b'{"a": [1, {"b": "}]"', b'{"a": [1, {"b": "}]"}]}'),
    (b'{"a": 1}', None),  # nothing missing
    (b'{"a": "open', None),
    (b'{"a": [1}', None),
])
def test_close_brackets(body, completed):
    from app.sharing.librato_params import close_brackets
    assert close_brackets(body) == completed


async def test_json_sent_as_a_form_is_read_and_broken_json_is_refused(client):
    auth = await librato_org(client)
    inst = await instrument(client, auth)
    form = {**auth, "Content-Type": FORM}
    r = await client.post("/v1/snapshots", headers=form, data='{"subject": {"chart": {"id": %d}}' % inst["id"])
    assert r.status == 202, await r.text()
    await drained(client)  # its job appends too
    before = await head(client)
    r = await client.post("/v1/snapshots", headers=form, data='{"subject": {"chart": {"id": 1]}}')
    assert r.status == 400 and "errors" in await r.json()
    assert await head(client) == before


async def test_a_disabled_organization_publishes_nothing(client):
    """Its tokens' pages and images, its dashboards and its snapshot images were still served
    while its own keys were refused (so it could not even revoke them)."""
    auth = await librato_org(client)
    await points(client, auth, time.time() - 3000, [3, 1, 4])
    inst = await instrument(client, auth)
    r = await client.post("/v1/dashboards", headers=auth, json={"name": "Ops", "instruments": [inst["id"]]})
    dash = await r.json()
    chart_token = (await (await client.post("/v1/charts", headers=auth, json={
        "entity_type": "instrument", "entity_id": inst["id"]})).json())["token"]
    dash_token = (await (await client.post("/v1/charts", headers=auth, json={
        "entity_type": "dashboard", "entity_id": dash["id"]})).json())["token"]
    r = await client.post("/v1/snapshots", headers=auth, json={"subject": {"chart": {"id": inst["id"]}}})
    snap_id = int((await r.json())["href"].rsplit("/", 1)[1])
    await drained(client)
    done = await (await client.get(f"/v1/snapshots/{snap_id}", headers=auth)).json()
    public = [f"/share/instruments/{chart_token}", f"/share/instruments/{chart_token}.png",
              f"/share/dashboards/{dash_token}", "/" + done["image_href"].split("/", 3)[3]]
    assert [(await client.get(p)).status for p in public] == [200] * 4
    org = next(o for o in (await (await client.get("/admin/orgs", headers=ADMIN)).json())["orgs"] if o["name"] == "acme")
    assert (await client.post(f"/admin/orgs/{org['id']}/disable", headers=ADMIN)).status == 200
    assert [(await client.get(p)).status for p in public] == [404] * 4
    assert (await client.post(f"/admin/orgs/{org['id']}/enable", headers=ADMIN)).status == 200
    assert [(await client.get(p)).status for p in public] == [200] * 4


async def test_a_snapshot_waits_while_renders_are_too_busy_and_is_drawn_later(client):
    """Too busy to read the chart's data (TooBusy, 429 for a public request) failed the job for
    good; now the job stays owed and runs again."""
    import contextlib

    from app.charts.render import cache_for
    auth = await librato_org(client)
    await points(client, auth, time.time() - 3000, [3, 1, 4])
    inst = await instrument(client, auth)
    gathering = cache_for(client.app[RUNTIME]).gathering
    gathering.queue = 0
    async with contextlib.AsyncExitStack() as busy:
        for _ in range(gathering.limit):  # every slot taken, no room to wait
            await busy.enter_async_context(gathering.take())
        r = await client.post("/v1/snapshots", headers=auth, json={"subject": {"chart": {"id": inst["id"]}}})
        job_path = "/v1/jobs/" + (await r.json())["job_href"].rsplit("/", 1)[1]
        for _ in range(100):  # the runner tries, and leaves it for later
            await asyncio.sleep(0.01)
        assert (await (await client.get(job_path, headers=auth)).json())["state"] != "failed"
    client.app[RUNNER].wake()
    for _ in range(500):
        job = await (await client.get(job_path, headers=auth)).json()
        if job["state"] == "complete":
            break
        await asyncio.sleep(0.02)
        client.app[RUNNER].wake()
    assert job["state"] == "complete", job
