"""Shared fixtures: a real server over a real SQLite file in tmp_path, driven over HTTP.

Factories are plain functions (``make_org_key``); nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import time
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from app.config import Config, load
from app.server import create_app

ADMIN_KEY = "a" * 32
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def make_config(data_dir: Path, **overrides: Any) -> Config:
    return load({}, data_dir=str(data_dir), **{"admin_key": ADMIN_KEY, "access_log": False, "tail_interval": 0.05,
                                               **overrides})


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "data")


@pytest.fixture
async def client(aiohttp_client: Any, config: Config) -> TestClient:
    return await aiohttp_client(create_app(config))


def pin_clock(client: TestClient) -> float:
    """Stop the server's clock at the present moment and return it. Default windows ("the last
    hour", "the last 24 hours") end at a step of this clock; a test that compares caching headers
    across several requests pins it, so crossing a step boundary mid-test cannot change them."""
    from app.http import RUNTIME

    now = time.time()
    client.server.app[RUNTIME].clock = lambda: now
    return now


async def make_org_key(client: TestClient, name: str, *, email: str = "owner@example.com",
                       scopes: list[str] | None = None, operator: bool = False) -> dict[str, Any]:
    """A new organization with one user and one key, through the admin API. ``operator``: the
    user joins the operator organization (1) instead, whose keys alone can hold ``admin``."""
    if operator:
        org = await (await client.get("/admin/orgs/1", headers=ADMIN)).json()
    else:
        r = await client.post("/admin/orgs", json={"name": name}, headers=ADMIN)
        assert r.status == 201, await r.text()
        org = await r.json()
    r = await client.post("/admin/users", json={"org_id": org["id"], "email": email}, headers=ADMIN)
    assert r.status == 201, await r.text()
    user = await r.json()
    body: dict[str, Any] = {"user_id": user["id"]}
    if scopes is not None:
        body["scopes"] = scopes
    r = await client.post("/admin/keys", json=body, headers=ADMIN)
    assert r.status == 201, await r.text()
    key = await r.json()
    return {"org": org, "user": user, "key": key["key"], "key_id": key["id"], "email": email}


async def position(client: TestClient) -> int:
    """The log's head, as /healthz tells it: what a refused request must leave where it was."""
    return int((await (await client.get("/healthz")).json())["position"])


def with_dialect_headers(made: dict[str, Any]) -> dict[str, Any]:
    """make_org_key's result, plus its key presented the M2X way ("m2x") and the Librato way ("basic")."""
    basic = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    return {**made, "m2x": {"X-M2X-KEY": made["key"]}, "basic": {"Authorization": f"Basic {basic}"}}


class LiveServer:
    """The real server on a real port in a thread of its own, for the blocking client
    libraries (m2x, librato-metrics) that cannot share the test's event loop."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.url = f"http://127.0.0.1:{config.port}"

    def start(self) -> None:
        ready = threading.Event()

        async def up() -> None:
            self.runner = web.AppRunner(create_app(self.config))
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.config.port).start()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(up())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not ready.wait(20):
            raise RuntimeError("live server did not start")

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop (e.g. a direct look at its state)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)

    def stop(self) -> None:
        assert self.runner is not None
        self.call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(20)
        self.loop.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(make_config(tmp_path / "live", port=free_port()))
    server.start()
    yield server
    server.stop()


def live_org_key(server: LiveServer, name: str, email: str = "owner@example.com",
                 scopes: list[str] | None = None) -> dict[str, Any]:
    """make_org_key, for a live server, from synchronous test code."""
    import json
    import urllib.request

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(server.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={**ADMIN, "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    org = post("/admin/orgs", {"name": name})
    user = post("/admin/users", {"org_id": org["id"], "email": email})
    body: dict[str, Any] = {"user_id": user["id"]}
    if scopes is not None:
        body["scopes"] = scopes
    key = post("/admin/keys", body)
    return {"org": org, "user": user, "key": key["key"], "email": email}
