"""What the HTTP benchmarks share: a Broadsheet server and the bare aiohttp handler they are
measured against, each in a process of its own, waiting for them to answer, and their CPU time."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import socket
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import load  # noqa: E402
from app.server import create_app  # noqa: E402

ADMIN_KEY = "b" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_broadsheet(data_dir: str, port: int) -> None:
    config = load({}, data_dir=data_dir, admin_key=ADMIN_KEY, access_log=False, port=port, log_level="WARNING")
    web.run_app(create_app(config), host="127.0.0.1", port=port, print=None, access_log=None)


def serve_bare(body: bytes, port: int) -> None:
    """The baseline: a bare aiohttp handler answering every GET with the same image bytes."""
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def start(target: object, *args: object) -> multiprocessing.Process:
    proc = multiprocessing.get_context("spawn").Process(target=target, args=args, daemon=True)  # type: ignore[arg-type]
    proc.start()
    return proc


async def wait_up(url: str, tries: int = 400) -> None:
    async with aiohttp.ClientSession() as s:
        for _ in range(tries):
            try:
                async with s.get(url) as r:
                    await r.read()
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int | None, *, main_thread: bool = False) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN elsewhere. ``main_thread``:
    of its main thread only (an aiohttp server's event loop)."""
    path = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
