"""Jobs are events: a real `broadsheet serve` killed with SIGKILL while snapshot jobs are queued
or working finishes them after the restart, and their images are served."""

from __future__ import annotations

import asyncio
import base64
import signal

import aiohttp

from events.sqlite import SqliteEventStore
from tests.conftest import ADMIN
from tests.test_durability import start_server

SNAPSHOTS = 40


async def owed_jobs(data_dir) -> set[int]:
    """Jobs the log says were queued and never finished."""
    store = await SqliteEventStore.open(data_dir / "events.db")
    try:
        assert await store.verify() == []
        state: dict[int, str] = {}
        for e in await store.read(limit=100_000):
            if e.type.startswith("job."):
                state[e.event.job_id] = e.type  # type: ignore[attr-defined]
        return {j for j, t in state.items() if t in ("job.queued", "job.started")}
    finally:
        await store.close()


async def test_jobs_queued_or_working_at_kill_9_complete_after_restart(tmp_path):
    proc, url = await start_server(tmp_path)
    async with aiohttp.ClientSession() as s:
        org = await (await s.post(url + "/admin/orgs", json={"name": "acme"}, headers=ADMIN)).json()
        user = await (await s.post(url + "/admin/users", json={"org_id": org["id"], "email": "o@acme.example"},
                                   headers=ADMIN)).json()
        key = await (await s.post(url + "/admin/keys", json={"user_id": user["id"]}, headers=ADMIN)).json()
        auth = {"Authorization": "Basic " + base64.b64encode(f"o@acme.example:{key['key']}".encode()).decode()}
        r = await s.post(url + "/v1/instruments", headers=auth, json={"name": "cpu", "streams": [{"metric": "cpu"}]})
        chart_id = (await r.json())["id"]

        async def snapshot() -> str:
            async with s.post(url + "/v1/snapshots", headers=auth,
                              json={"subject": {"chart": {"id": chart_id}}, "duration": 86400}) as r:
                assert r.status == 202
                return (await r.json())["href"].split("/", 3)[3]

        hrefs = await asyncio.gather(*(snapshot() for _ in range(SNAPSHOTS)))
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    owed = await owed_jobs(tmp_path)
    assert owed, "every job finished before the kill: nothing was left to prove"

    proc, url = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession() as s:
            for href in hrefs:
                for _ in range(600):  # bounded: up to ~30 s for the runner to work through the backlog
                    snap = await (await s.get(f"{url}/{href}", headers=auth)).json()
                    if snap["image_href"]:
                        break
                    await asyncio.sleep(0.05)
                job = await (await s.get(snap["job_href"], headers=auth)).json()
                assert job["state"] == "complete", job
                async with s.get(snap["image_href"]) as r:
                    assert r.status == 200 and (await r.read())[:4] == b"\x89PNG"
    finally:
        proc.terminate()
        proc.wait(30)
    assert await owed_jobs(tmp_path) == set()
