"""Benchmark of the event log (issue 2), with its baseline in the same run.

1. Durable appends per second through the store's own API from 100 concurrent writers, against
   a plain sqlite3 loop committing one event per transaction with the same durability (WAL,
   synchronous=FULL, same table and indexes).      Targets: >= 50,000/s and >= 7x the loop.
2. Replay of a 1,000,000-event log: read, decode and fold into every projection, against a
   plain sqlite3 loop that only reads and decodes the same payloads (the least any replay does).
                                                    Target: >= 500,000 events/s.
3. Cold start of `broadsheet serve` over that log until /healthz answers, from zero (no
   checkpoint) and from the checkpoint a graceful stop leaves.   Target: < 3 s.

Usage: python scripts/bench_events.py [--events 1000000] [--writers 100] [--appends 50000] [--rounds 3]
Absolute times on a shared machine are noise; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from statistics import median
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from events import catalog  # noqa: E402
from events.accounts import KeyCreated, OrgCreated, OrgDisabled, OrgEnabled, UserCreated  # noqa: E402
from events.base import Pending  # noqa: E402
from events.series import PointsAdded  # noqa: E402
from events.sqlite import _SCHEMA, SqliteEventStore  # noqa: E402
from events.staging import chain_hash  # noqa: E402
from projections import registry  # noqa: E402
from projections.runner import Projector  # noqa: E402


# -- 1. appends -------------------------------------------------------------------------------

def plain_loop(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(_SCHEMA)
    payload = catalog.encode(OrgCreated(org_id=1, name="x" * 40))
    prev = b""
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        digest = chain_hash(prev, i, f"org-{i}", 1, "org.created", i, "bench", "", payload)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (i, f"org-{i}", 1, "org.created", i, "bench", "", payload, prev, digest))
        conn.execute("COMMIT")
        prev = digest
    elapsed = time.perf_counter() - t0
    conn.close()
    return n / elapsed


async def store_appends(path: Path, writers: int, total: int) -> float:
    store = await SqliteEventStore.open(path)
    per = total // writers

    async def writer(w: int) -> None:
        for j in range(per):
            await store.append([Pending(f"org-{w}-{j}", (OrgCreated(org_id=w, name="x" * 40),), 0)], actor="bench")

    await writer(0)  # warm up (and create the file) outside the timing
    t0 = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(1, writers + 1)))
    elapsed = time.perf_counter() - t0
    await store.close()
    return per * writers / elapsed


# -- 2. replay --------------------------------------------------------------------------------

async def build_log(path: Path, n: int) -> None:
    """A log shaped like a real one: accounts, then mostly small ingest batches, some toggles."""
    rng = random.Random(7)
    store = await SqliteEventStore.open(path)
    orgs = 100
    setup = []
    for o in range(1, orgs + 1):
        setup.append(Pending(f"org-{o}", (OrgCreated(org_id=o, name=f"org {o}"),), 0))
        setup.append(Pending(f"user-{o}", (UserCreated(user_id=o, org_id=o, email=f"u{o}@x.io", uuid=f"u{o}"),), 0))
        setup.append(Pending(f"key-{o}", (KeyCreated(key_id=o, org_id=o, user_id=o, key_hash=f"{o:064x}", hint="abcd"),), 0))
    await store.append(setup, actor="bench")
    written, t = len(setup), 1.7e9
    while written < n:
        batch = []
        for _ in range(min(1000, n - written)):
            t += 1.0
            o = rng.randint(1, orgs)
            if rng.random() < 0.01:
                batch.append(OrgDisabled(org_id=o) if rng.random() < 0.5 else OrgEnabled(org_id=o))
            else:
                batch.append(PointsAdded(org_id=o, source=f"dev{rng.randint(1, 20)}", metric="temp",
                                         times=[t, t + 0.5], values=[rng.random(), rng.random()]))
        await store.append([Pending(f"bench-{written}", tuple(batch), 0)], actor="bench")
        written += len(batch)
    await store.close()


def plain_read(path: Path) -> float:
    """The replay's baseline: a plain sqlite3 loop that reads every payload in batches and
    decodes it (msgspec, one call per batch), folding nothing. Events per second."""
    conn = sqlite3.connect(path)
    t0, after, n = time.perf_counter(), 0, 0
    while rows := conn.execute("SELECT position, payload FROM events WHERE position > ? ORDER BY position LIMIT 20000",
                               (after,)).fetchall():
        catalog.decode_many([r[1] for r in rows])
        after, n = rows[-1][0], n + len(rows)
    elapsed = time.perf_counter() - t0
    conn.close()
    return n / elapsed


async def replay(path: Path) -> tuple[int, float]:
    store = await SqliteEventStore.open(path)
    projector = Projector(registry.build())
    t0 = time.perf_counter()
    folded = await projector.build(store, use_checkpoint=False)
    elapsed = time.perf_counter() - t0
    await store.close()
    return folded, folded / elapsed


# -- 3. cold start ------------------------------------------------------------------------------

def cold_start(data_dir: Path, port: int) -> tuple[float, subprocess.Popen[bytes]]:
    env = {**os.environ, "BROADSHEET_ADMIN_KEY": "b" * 32, "BROADSHEET_ACCESS_LOG": "false", "BROADSHEET_LOG_LEVEL": "WARNING"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--data-dir", str(data_dir)],
                            env=env, cwd=Path(__file__).resolve().parents[1])
    while time.perf_counter() - t0 < 120:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - t0, proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise RuntimeError("the server did not answer within 120 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--writers", type=int, default=100)
    ap.add_argument("--appends", type=int, default=50_000)
    ap.add_argument("--baseline", type=int, default=5_000, help="events the plain loop commits")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of appends and of replay; medians are reported")
    ap.add_argument("--port", type=int, default=18_080)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        bases, ours = [], []
        for r in range(args.rounds):  # each round: the baseline, then the store, on fresh files
            bases.append(plain_loop(root / f"plain-{r}.db", args.baseline))
            ours.append(asyncio.run(store_appends(root / f"store-{r}.db", args.writers, args.appends)))
        ratios = sorted(o / b for o, b in zip(ours, bases))
        print(f"appends  plain sqlite3 loop (1 event/commit, FULL)   {median(bases):>10,.0f} /s   "
              f"(rounds {min(bases):,.0f}..{max(bases):,.0f})")
        print(f"appends  store, {args.writers} concurrent writers (group commit)  {median(ours):>10,.0f} /s   "
              f"ratio {median(ratios):.1f}x   (rounds {min(ours):,.0f}..{max(ours):,.0f}, "
              f"ratios {ratios[0]:.1f}..{ratios[-1]:.1f}x; target >= 50,000/s and >= 7x)")

        data = root / "big"
        data.mkdir()
        t0 = time.perf_counter()
        asyncio.run(build_log(data / "events.db", args.events))
        print(f"built a {args.events:,}-event log in {time.perf_counter() - t0:.1f} s "
              f"({(data / 'events.db').stat().st_size / 1e6:.0f} MB)")
        reads, rates = [], []
        for _ in range(args.rounds):
            reads.append(plain_read(data / "events.db"))
            folded, rate = asyncio.run(replay(data / "events.db"))
            rates.append(rate)
        print(f"replay   plain sqlite3 read + msgspec decode, no fold    {median(reads):>10,.0f} events/s"
              f"   (rounds {min(reads):,.0f}..{max(reads):,.0f})")
        print(f"replay   {folded:,} events into {len(registry.build())} projections  {median(rates):>10,.0f} events/s"
              f"   ratio {median(r / b for r, b in zip(rates, reads)):.2f}x   "
              f"(rounds {min(rates):,.0f}..{max(rates):,.0f}; target >= 500,000/s)")

        first, proc = cold_start(data, args.port)
        stop(proc)  # a graceful stop saves a checkpoint
        again, proc = cold_start(data, args.port)
        stop(proc)
        print(f"cold start, no checkpoint (replays the whole log)    {first:>10.2f} s")
        print(f"cold start, from the checkpoint of a graceful stop   {again:>10.2f} s   (target < 3 s)")


if __name__ == "__main__":
    main()
