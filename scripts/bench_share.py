"""Public sharing under load: a Librato chart token's render against a bare aiohttp handler
returning the same bytes, with writes going on; then snapshots completed per second with the
job runner saturated.

    python scripts/bench_share.py [--requests 10000] [--concurrency 50] [--rounds 3] [--snapshots 60]
                                  [--write-metric ingest|cpu]

Each server runs in a process of its own and the load comes from this one (one aiohttp session,
``concurrency`` requests in flight). Broadsheet is a real server on a fresh data directory: an
organization, a day of one-minute points from two sources, an instrument over ``cpu`` with
source ``*``, and a chart token, all made through the HTTP API. The measured request is
``GET /share/instruments/:token.png`` (default window: the last hour). While it runs, a writer
keeps posting batches of points to another metric of the same organization and a token is
created and revoked over and over: every write moves the log, so the render cache must tell a
change that matters from one that does not. The bare server answers with the very PNG bytes,
no middleware, no writes. Rounds alternate (bare, then Broadsheet); the
ratio is the median of the rounds' ratios, latencies are over every request of every round.
The machine is shared, so the CPU time each server process spent per request (Linux /proc) is
printed too: its ratio does not depend on what else runs (Broadsheet's includes the writes).

Targets (issue 5): the cached token render at least 60% of the bare handler's requests/s, and
p99 under 50 ms while writes go on. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchkit import ADMIN_KEY, cpu_seconds, free_port, serve_bare, serve_broadsheet, start, wait_up  # noqa: E402

EMAIL = "bench@example.com"
RATIO_TARGET = 0.60
P99_TARGET_MS = 50.0


class Org:
    def __init__(self, base: str, auth: dict[str, str], chart_id: int, token: str) -> None:
        self.base, self.auth, self.chart_id, self.token = base, auth, chart_id, token


async def setup(base: str) -> Org:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with aiohttp.ClientSession(base) as s:
        async def post(path: str, body: dict, headers: dict) -> dict:
            async with s.post(path, json=body, headers=headers) as r:
                assert r.status in (200, 201, 202), (path, r.status, await r.text())
                return await r.json()

        org = await post("/admin/orgs", {"name": "bench"}, admin)
        user = await post("/admin/users", {"org_id": org["id"], "email": EMAIL}, admin)
        key = (await post("/admin/keys", {"user_id": user["id"]}, admin))["key"]
        auth = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}:{key}".encode()).decode()}
        now = int(time.time())
        gauges = [{"name": "cpu", "source": f"web-{k}", "value": 50 + 20 * math.sin(i / 90 + k), "measure_time": now - i * 60}
                  for i in range(1440) for k in (1, 2)]
        for i in range(0, len(gauges), 1000):
            await post("/v1/metrics", {"gauges": gauges[i:i + 1000]}, auth)
        inst = await post("/v1/instruments", {"name": "CPU", "streams": [{"metric": "cpu", "source": "*"}]}, auth)
        token = (await post("/v1/charts", {"entity_type": "instrument", "entity_id": inst["id"]}, auth))["token"]
        return Org(base, auth, inst["id"], token)


async def writer(org: Org, stop: asyncio.Event, counts: list[int], metric: str) -> None:
    """Points to ``metric`` (by default not the charted one), and a token created and revoked,
    until told to stop."""
    async with aiohttp.ClientSession(org.base) as s:
        i = 0
        while not stop.is_set():
            i += 1
            t = int(time.time())
            gauges = [{"name": metric, "source": "bench", "value": 50 + (i + k) % 20, "measure_time": t - 600 + k}
                      for k in range(10)]
            async with s.post("/v1/metrics", json={"gauges": gauges}, headers=org.auth) as r:
                assert r.status < 300, await r.text()
            counts[0] += 1
            if i % 10 == 0:
                async with s.post("/v1/charts", json={"entity_type": "instrument", "entity_id": org.chart_id},
                                  headers=org.auth) as r:
                    tok = (await r.json())["token"]
                async with s.delete(f"/v1/charts/{tok}", headers=org.auth) as r:
                    assert r.status == 204
                counts[0] += 2


async def load_round(url: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    """(requests per second, latency of each request in ms) for ``requests`` GETs."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as s:
        latencies: list[float] = []
        remaining = 0

        async def worker(record: bool) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                async with s.get(url) as r:
                    assert r.status == 200, r.status
                    await r.read()
                if record:
                    latencies.append((time.perf_counter() - t0) * 1000)

        remaining = min(requests, 2000)
        await asyncio.gather(*(worker(False) for _ in range(concurrency)))  # warm-up: connections, cache (not timed)
        remaining = requests
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(True) for _ in range(concurrency)))
        return requests / (time.perf_counter() - t0), latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def snapshots_per_second(org: Org, n: int) -> float:
    """Post ``n`` snapshots at once, then wait until the last one is drawn."""
    async with aiohttp.ClientSession(org.base) as s:
        t0 = time.perf_counter()

        async def post() -> str:
            async with s.post("/v1/snapshots", headers=org.auth,
                              json={"subject": {"chart": {"id": org.chart_id}}, "duration": 86400}) as r:
                assert r.status == 202, await r.text()
                return (await r.json())["href"]

        hrefs = await asyncio.gather(*(post() for _ in range(n)))
        pending = list(hrefs)
        while pending:
            async with s.get(pending[0], headers=org.auth) as r:
                snap = await r.json()
            if snap["image_href"]:
                pending.pop(0)
            else:
                await asyncio.sleep(0.02)
        return n / (time.perf_counter() - t0)


async def main(requests: int, concurrency: int, rounds: int, snapshots: int, write_metric: str) -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        bs_port, bare_port = free_port(), free_port()
        bs = start(serve_broadsheet, data_dir, bs_port)
        bare = None
        try:
            base = f"http://127.0.0.1:{bs_port}"
            await wait_up(base + "/healthz")
            org = await setup(base)
            url = f"{base}/share/instruments/{org.token}.png"
            async with aiohttp.ClientSession() as s, s.get(url) as r:
                body = await r.read()
            bare = start(serve_bare, body, bare_port)
            await wait_up(f"http://127.0.0.1:{bare_port}/")
            print(f"token render: {len(body)} PNG bytes; {requests} requests x {rounds} rounds, {concurrency} in flight")

            ratios, cpu_bare, cpu_bs, writes = [], [], [], []
            lat_bare: list[float] = []
            lat_bs: list[float] = []
            for i in range(rounds):
                c0 = cpu_seconds(bare.pid)
                bare_rate, lat = await load_round(f"http://127.0.0.1:{bare_port}/share/x.png", requests, concurrency)
                cpu_bare.append((cpu_seconds(bare.pid) - c0) / requests * 1e6)
                lat_bare += lat
                stop, counts = asyncio.Event(), [0]
                w = asyncio.ensure_future(writer(org, stop, counts, write_metric))
                t0, c0 = time.perf_counter(), cpu_seconds(bs.pid)
                bs_rate, lat = await load_round(url, requests, concurrency)
                cpu_bs.append((cpu_seconds(bs.pid) - c0) / requests * 1e6)
                stop.set()
                await w
                writes.append(counts[0] / (time.perf_counter() - t0))
                lat_bs += lat
                ratios.append(bs_rate / bare_rate)
                print(f"  round {i + 1}: bare {bare_rate:7.0f} req/s {cpu_bare[-1]:5.0f} us CPU/req | broadsheet "
                      f"{bs_rate:7.0f} req/s {cpu_bs[-1]:5.0f} us CPU/req, p50 {pct(lat, .5):.1f} ms, "
                      f"p99 {pct(lat, .99):.1f} ms, {writes[-1]:.0f} writes/s | ratio {ratios[-1]:.2f}")
            ratio = statistics.median(ratios)
            cpu_ratio = statistics.median(cpu_bare) / statistics.median(cpu_bs)
            p99 = pct(lat_bs, .99)
            print(f"bare handler        p50 {pct(lat_bare, .5):5.1f} ms  p99 {pct(lat_bare, .99):5.1f} ms  "
                  f"{statistics.median(cpu_bare):5.0f} us CPU/request")
            print(f"token render (PNG)  p50 {pct(lat_bs, .5):5.1f} ms  p99 {p99:5.1f} ms  "
                  f"{statistics.median(cpu_bs):5.0f} us CPU/request (writes included), "
                  f"{statistics.median(writes):.0f} writes/s going on")
            print(f"req/s ratio, median of rounds {ratio:.2f} (target >= {RATIO_TARGET:.2f}); CPU-per-request ratio "
                  f"{cpu_ratio:.2f}; p99 {p99:.1f} ms over all rounds (target < {P99_TARGET_MS:.0f} ms)")

            rate = await snapshots_per_second(org, snapshots)
            print(f"snapshots: {snapshots} posted at once, {rate:.1f} completed/s (job runner saturated, 600x300 PNG, "
                  "one-day window)")
            return 0 if ratio >= RATIO_TARGET and p99 < P99_TARGET_MS else 1
        finally:
            for p in (bs, bare):
                if p is not None:
                    p.terminate()
                    p.join(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--snapshots", type=int, default=60)
    parser.add_argument("--write-metric", default="ingest",
                        help="the metric the writer posts to; 'cpu' is the charted one (every write then changes "
                             "the picture, the worst case for the render cache)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.requests, args.concurrency, args.rounds, args.snapshots, args.write_metric)))
