"""Benchmark of M2X ingest and sampling (issue 3 "Performance"), with its baselines in the same run.

1. Points per second over HTTP through ``POST /v2/devices/{id}/streams/{name}/values`` in batches
   of 100 and of 1,000 (durable: each batch is one fsync'ed event, folded into the series view
   before the 202), against a bare aiohttp handler on the same path that only decodes the same
   bodies with the same typed msgspec decoder. Same client, same bodies, same concurrency; both
   servers run in their own process.   Targets: >= 200,000 points/s with 1,000-point batches and
   >= 50% of the bare handler's rate. For reference only, the same bare server also answers
   through the stock aiohttp way of decoding (``await request.json()``, the json module), and
   that rate is printed too; the target is judged against the typed decoder, the stricter one.
   Also printed: each server's CPU time per request (Linux /proc), and of Broadsheet's, its
   event loop's: on a shared machine these move less than the rates do.
2. One ``avg`` sampling with 600 buckets over a 1,000,000-point series: through the projection
   (``Series.aggregate``) and over HTTP (``GET …/sampling``, on the series part 1 wrote), against
   numpy doing the same aggregation on an in-memory array (bucket ids, ``np.bincount``).
   Targets: < 20 ms and within 4x of numpy.

Usage: python scripts/bench_ingest.py [--concurrency 32] [--points 1000000] [--rounds 3] [--switch-interval S]
Absolute figures on a shared machine are noise; compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from app.times import iso  # noqa: E402
from benchkit import ADMIN_KEY, cpu_seconds, free_port, wait_up  # noqa: E402
from events.base import Envelope  # noqa: E402
from events.series import PointsAdded  # noqa: E402
from projections.runner import Projector  # noqa: E402
from projections.series import Series  # noqa: E402

T0 = 1_700_000_000.0  # a multiple of the 1,000 s bucket below
STEP = 0.6  # seconds between points: 1,000,000 points span 600,000 s = 600 buckets of 1,000 s
INTERVAL = 1000.0

BARE_SERVER = """
import sys
from aiohttp import web
from app.m2x import ingest
async def handler(request):
    ingest._DECODE_VALUES.decode(await request.read())
    return web.json_response({"status": "accepted"}, status=202)
async def stock(request):
    await request.json()
    return web.json_response({"status": "accepted"}, status=202)
app = web.Application(client_max_size=10 * 1024 * 1024)
app.router.add_post("/v2/devices/{device}/streams/{stream}/values", handler)
app.router.add_post("/stock/v2/devices/{device}/streams/{stream}/values", stock)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def bodies(n_points: int, batch: int, first: int = 0) -> list[bytes]:
    out = []
    for start in range(first, first + n_points, batch):
        pts = [{"timestamp": iso(T0 + i * STEP), "value": float(i % 1000) + 0.25} for i in range(start, start + batch)]
        out.append(json.dumps({"values": pts}).encode())
    return out


class Round(NamedTuple):
    rate: float  # points per second
    cpu_ms: float  # server CPU per request, all threads
    loop_ms: float  # of which the server's main thread (the event loop)


async def measured(server: subprocess.Popen[bytes], url_of: list[str], payloads: list[bytes], headers: dict[str, str],
                   concurrency: int, points: int) -> Round:
    """One round of ``blast`` against ``server``, with the server's CPU time per request."""
    cpu0, loop0 = cpu_seconds(server.pid), cpu_seconds(server.pid, main_thread=True)
    seconds = await blast(url_of, payloads, headers, concurrency)
    cpu1, loop1 = cpu_seconds(server.pid), cpu_seconds(server.pid, main_thread=True)
    per = 1000 / len(payloads)
    return Round(points / seconds, (cpu1 - cpu0) * per, (loop1 - loop0) * per)


async def blast(url_of: list[str], payloads: list[bytes], headers: dict[str, str], concurrency: int) -> float:
    """POST every payload (worker w sends to url_of[w]); returns seconds."""
    queue = list(enumerate(payloads))
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn, headers={**headers, "Content-Type": "application/json"}) as s:
        async def worker(w: int) -> None:
            while queue:
                _, body = queue.pop(0)
                async with s.post(url_of[w % len(url_of)], data=body) as r:
                    if r.status != 202:
                        raise RuntimeError(f"{r.status}: {await r.text()}")
                    await r.read()
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        return time.perf_counter() - t0


async def admin_setup(base: str) -> tuple[str, str]:
    """An org, a user, a master key and a device: (key, device id)."""
    h = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/admin/orgs", json={"name": "bench"}, headers=h) as r:
            org = await r.json()
        async with s.post(f"{base}/admin/users", json={"org_id": org["id"], "email": "b@example.com"}, headers=h) as r:
            user = await r.json()
        async with s.post(f"{base}/admin/keys", json={"user_id": user["id"]}, headers=h) as r:
            key = (await r.json())["key"]
        async with s.post(f"{base}/v2/devices", json={"name": "bench"}, headers={"X-M2X-KEY": key}) as r:
            device = (await r.json())["id"]
    return key, device


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(30)


async def part1(concurrency: int, total: int, rounds: int, switch_interval: float | None) -> tuple[str, str, str, subprocess.Popen[bytes]]:
    print(f"1. HTTP ingest, {concurrency} concurrent connections, one client for both servers"
          + (f" (server switch interval {switch_interval} s)" if switch_interval else ""))
    data_dir = tempfile.mkdtemp(prefix="bench-ingest-")
    port, bare_port = free_port(), free_port()
    env = {**os.environ, "BROADSHEET_DATA_DIR": data_dir, "BROADSHEET_PORT": str(port),
           "BROADSHEET_ADMIN_KEY": ADMIN_KEY, "BROADSHEET_ACCESS_LOG": "false", "BROADSHEET_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    # --switch-interval: an experiment. Opening the event log lowers the GIL switch interval to
    # 0.5 ms (events/sqlite.py); a value given here is set first and kept if it is lower.
    boot = (f"import sys; sys.setswitchinterval({switch_interval}); from app.cli import main; sys.exit(main(['serve']))"
            if switch_interval else "import sys; from app.cli import main; sys.exit(main(['serve']))")
    server = start([sys.executable, "-c", boot], env)
    bare = start([sys.executable, "-c", BARE_SERVER, str(bare_port)], env)
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    try:
        await wait_up(base + "/healthz")
        await wait_up(bare_base + "/")
        key, device = await admin_setup(base)
        headers = {"X-M2X-KEY": key}
        for batch, n_points in ((100, total // 5), (1000, total)):
            # batches of 100 go to one stream per connection; the 1,000-point run fills one stream
            # ("big"; its first round is the 1,000,000-point series part 2 samples over HTTP).
            # Rounds alternate bare and real; each real round writes new (later) times.
            streams = [f"s{w}" for w in range(concurrency)] if batch == 100 else ["big"]
            bare_urls = [f"{bare_base}/v2/devices/{device}/streams/{s}/values" for s in streams]
            stock_urls = [f"{bare_base}/stock/v2/devices/{device}/streams/{s}/values" for s in streams]
            urls = [f"{base}/v2/devices/{device}/streams/{s}/values" for s in streams]
            reals: list[Round] = []
            bares: list[Round] = []
            stocks: list[Round] = []
            for r in range(rounds):
                payloads = bodies(n_points, batch, first=r * n_points)
                if r == 0:
                    await blast(bare_urls, payloads[:20], headers, concurrency)  # warm up the bare server
                bares.append(await measured(bare, bare_urls, payloads, headers, concurrency, n_points))
                stocks.append(await measured(bare, stock_urls, payloads, headers, concurrency, n_points))
                reals.append(await measured(server, urls, payloads, headers, concurrency, n_points))
            real, bare_rate, stock_rate = (statistics.median(x.rate for x in runs) for runs in (reals, bares, stocks))
            print(f"   batches of {batch:>5}: broadsheet {real:>11,.0f} points/s   bare decode-only handler "
                  f"{bare_rate:>11,.0f} points/s   ratio {real / bare_rate:.0%}   (median of {rounds} rounds; "
                  f"broadsheet {min(x.rate for x in reals):,.0f}..{max(x.rate for x in reals):,.0f})")
            print(f"   {'':18}for reference, a stock handler (await request.json()): {stock_rate:>11,.0f} points/s"
                  f"   broadsheet/stock {real / stock_rate:.0%}")
            print(f"   {'':18}server CPU per request (median): broadsheet "
                  f"{statistics.median(x.cpu_ms for x in reals):.2f} ms, of which its event loop "
                  f"{statistics.median(x.loop_ms for x in reals):.2f} ms; bare handler "
                  f"{statistics.median(x.cpu_ms for x in bares):.2f} ms; stock handler "
                  f"{statistics.median(x.cpu_ms for x in stocks):.2f} ms")
    finally:
        stop(bare)
    return base, key, device, server


def median_ms(fn, repeat: int = 15) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def part2_projection(n: int) -> None:
    buckets = int(n * STEP // INTERVAL)  # 600 for the 1,000,000 points of the issue
    print(f"2. one avg sampling, {buckets} buckets of {INTERVAL:.0f} s, over a {n:,}-point series (median of 15)")
    t = T0 + np.arange(n, dtype=np.float64) * STEP
    v = np.sin(np.arange(n) / 5000.0) * 10 + 20
    view = Series()
    projector = Projector([view])
    for i in range(0, n, 10_000):
        e = PointsAdded(org_id=1, source="dev", metric="big", times=t[i:i + 10_000].tolist(), values=v[i:i + 10_000].tolist())
        projector.apply([Envelope(position=i + 1, stream="series-dev", version=i + 1, type="", recorded_at=0, actor="",
                                  request_id="", event=e)])
    start, end = float(t[0]), float(t[-1])
    stamps, got = view.aggregate(1, "dev", "big", start, end, INTERVAL, "avg")

    def numpy_baseline() -> tuple[np.ndarray, np.ndarray]:
        inside = (t >= start) & (t <= end)
        tt, vv = t[inside], v[inside]
        idx = np.floor(tt / INTERVAL).astype(np.int64)
        base = idx[0]
        sums = np.bincount(idx - base, weights=vv)
        counts = np.bincount(idx - base)
        full = counts > 0
        return (np.flatnonzero(full) + base) * INTERVAL, sums[full] / counts[full]

    def numpy_same_algorithm() -> tuple[np.ndarray, np.ndarray]:
        """What the projection does, on bare arrays: bisect the window and the bucket edges, reduceat."""
        lo, hi = np.searchsorted(t, start, "left"), np.searchsorted(t, end, "right")
        tt, vv = t[lo:hi], v[lo:hi]
        first, last = np.floor(tt[0] / INTERVAL), np.floor(tt[-1] / INTERVAL)
        edges = np.arange(first, last + 2) * INTERVAL
        idx = np.searchsorted(tt, edges, "left")
        counts = np.diff(idx)
        full = counts > 0
        return edges[:-1][full], np.add.reduceat(vv, idx[:-1][full]) / counts[full]

    for baseline in (numpy_baseline, numpy_same_algorithm):
        ref_stamps, ref = baseline()
        assert np.array_equal(stamps, ref_stamps) and np.allclose(got, ref)
    ours = median_ms(lambda: view.aggregate(1, "dev", "big", start, end, INTERVAL, "avg"))
    base = median_ms(numpy_baseline)
    same = median_ms(numpy_same_algorithm)
    print(f"   projection: {ours:6.2f} ms   numpy (mask, floor, bincount): {base:6.2f} ms   ratio {ours / base:.2f}x")
    print(f"   {'':22}numpy, same algorithm (searchsorted edges, reduceat): {same:6.2f} ms   ratio {ours / same:.2f}x")


async def part2_http(base: str, key: str, device: str) -> None:
    url = (f"{base}/v2/devices/{device}/streams/big/sampling?type=avg&interval={INTERVAL:.0f}&limit=1000"
           f"&start={iso(T0)}&end={iso(T0 + (1_000_000 - 1) * STEP)}")
    async with aiohttp.ClientSession(headers={"X-M2X-KEY": key}) as s:
        async with s.get(url) as r:
            body = await r.json()
        assert len(body["values"]) == 600, len(body["values"])
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            async with s.get(url) as r:
                await r.read()
            times.append((time.perf_counter() - t0) * 1000)
    print(f"   over HTTP (GET …/sampling, 600 buckets as JSON, the series part 1 wrote): "
          f"{statistics.median(times):6.2f} ms")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="experiment: sys.setswitchinterval() in the Broadsheet server process (the store itself sets 0.5 ms)")
    args = ap.parse_args()
    base, key, device, server = await part1(args.concurrency, args.points, args.rounds, args.switch_interval)
    try:
        part2_projection(args.points)
        if args.points == 1_000_000:
            await part2_http(base, key, device)
    finally:
        stop(server)


if __name__ == "__main__":
    asyncio.run(main())
