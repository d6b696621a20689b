"""A real `broadsheet serve` process: acknowledged writes survive kill -9, and a graceful stop
(SIGTERM) lets in-flight writes finish."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from events.sqlite import SqliteEventStore
from tests.conftest import ADMIN, free_port


async def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env={**os.environ, "BROADSHEET_ADMIN_KEY": "a" * 32, "BROADSHEET_ACCESS_LOG": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as s:
        for _ in range(200):  # a readiness probe, bounded: up to ~10 s for the process to listen
            try:
                async with s.get(url + "/healthz") as r:
                    if r.status == 200:
                        return proc, url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


async def hammer(url: str, names: list[str], acked: list[str], stop_after: int, stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as s:
        async def one(name: str) -> None:
            try:
                async with s.post(url + "/admin/orgs", json={"name": name}, headers=ADMIN) as r:
                    if r.status == 201:
                        acked.append(name)
                        if len(acked) >= stop_after:
                            stop.set()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass  # cut off by the kill: not acknowledged, so no promise was made
        await asyncio.gather(*(one(n) for n in names))


async def stored_org_names(data_dir: Path) -> set[str]:
    store = await SqliteEventStore.open(data_dir / "events.db")
    try:
        assert await store.verify() == []
        return {e.event.name for e in await store.read(limit=100_000) if e.type == "org.created"}  # type: ignore[attr-defined]
    finally:
        await store.close()


async def test_acknowledged_writes_survive_kill_9(tmp_path):
    proc, url = await start_server(tmp_path)
    acked: list[str] = []
    stop = asyncio.Event()
    names = [f"org-{i}" for i in range(400)]
    task = asyncio.ensure_future(hammer(url, names, acked, 100, stop))
    await asyncio.wait_for(stop.wait(), 30)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    await task
    snapshot = list(acked)
    assert len(snapshot) >= 100
    assert set(snapshot) <= await stored_org_names(tmp_path)


async def test_sigterm_lets_in_flight_writes_finish(tmp_path):
    proc, url = await start_server(tmp_path)
    acked: list[str] = []
    stop = asyncio.Event()
    task = asyncio.ensure_future(hammer(url, [f"o{i}" for i in range(300)], acked, 50, stop))
    await asyncio.wait_for(stop.wait(), 30)
    proc.send_signal(signal.SIGTERM)
    await task
    assert proc.wait(30) == 0
    assert set(acked) <= await stored_org_names(tmp_path)
    # and it starts again on the same data, from its checkpoint
    proc, url = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession() as s, s.get(url + "/admin/orgs", headers=ADMIN) as r:
            assert set(acked) <= {o["name"] for o in (await r.json())["orgs"]}
    finally:
        proc.terminate()
        proc.wait(30)


async def test_a_server_started_on_a_changed_log_says_so(aiohttp_client, tmp_path):
    """The views come from a checkpoint or from the events; a log changed before the
    checkpoint's position was served silently. The chain is checked at start, in the
    background: a break is shown by /healthz (and logged as an error)."""
    import sqlite3

    from app.server import create_app
    from tests.conftest import make_config

    async def chain(client) -> dict:
        for _ in range(500):
            body = await (await client.get("/healthz")).json()
            if body["chain"] in ("ok", "broken"):
                return body
            await asyncio.sleep(0.01)
        raise AssertionError(f"the chain was not checked: {body}")

    config = make_config(tmp_path)
    client = await aiohttp_client(create_app(config))
    assert (await client.post("/admin/orgs", json={"name": "acme"}, headers=ADMIN)).status == 201
    assert (await chain(client))["chain"] == "ok"
    await client.close()  # a graceful stop: a checkpoint at the head
    with sqlite3.connect(Path(config.data_dir) / "events.db") as conn:
        conn.execute("UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), 'acme', 'evil') AS BLOB) "
                     "WHERE position = 4")
    client = await aiohttp_client(create_app(config))
    body = await chain(client)
    assert body["chain"] == "broken" and body["chain_break"] == 4
