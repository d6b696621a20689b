"""Requests sent all at once end as if they had been sent one at a time (app/writes.py).

Each command checks the views and then appends; without the organization's write lock two
requests of one commit group passed each other's checks. Found by a fuzzing review: each test
fails on the code before the lock."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import msgspec
import pytest

from app.http import RUNTIME
from app.writes import WRITES, SharedExclusive
from events.store import EventFilter
from projections import registry
from projections.runner import Projector
from tests.conftest import ADMIN, make_org_key, with_dialect_headers


@pytest.fixture
async def acme(client):
    return with_dialect_headers(await make_org_key(client, "acme", scopes=["*"]))


async def types_of(client: Any, stream: str) -> list[str]:
    envs = await client.app[RUNTIME].store.query(EventFilter(stream=stream), limit=10_000)
    return [e.type for e in envs]


async def test_a_stream_put_racing_its_devices_delete(client, acme):
    for _ in range(5):
        r = await client.post("/v2/devices", json={"name": "r", "visibility": "private"}, headers=acme["m2x"])
        device = (await r.json())["id"]
        put, delete = await asyncio.gather(
            client.put(f"/v2/devices/{device}/streams/s", json={}, headers=acme["m2x"]),
            client.delete(f"/v2/devices/{device}", headers=acme["m2x"]))
        assert put.status in (201, 404) and delete.status == 204, (put.status, delete.status)
        kinds = await types_of(client, f"device-{device}")
        assert kinds[-1] == "device.deleted", kinds  # nothing after the delete


@pytest.mark.parametrize("what", ["org name", "user email", "device serial"])
async def test_one_of_ten_identical_creates_wins(client, acme, what):
    if what == "org name":
        calls = [client.post("/admin/orgs", json={"name": "racer"}, headers=ADMIN) for _ in range(10)]
    elif what == "user email":
        calls = [client.post("/admin/users", json={"org_id": acme["org"]["id"], "email": "dup@acme.example"},
                             headers=ADMIN) for _ in range(10)]
    else:
        calls = [client.post("/v2/devices", json={"name": "d", "visibility": "private", "serial": "SER-RACE"},
                             headers=acme["m2x"]) for _ in range(10)]
    statuses = sorted(r.status for r in await asyncio.gather(*calls))
    assert statuses.count(201) == 1 and all(400 <= s < 500 for s in statuses if s != 201), statuses


async def test_an_update_answered_404_stores_nothing(client, acme):
    basic = acme["basic"]
    for _ in range(3):
        assert (await client.put("/v1/metrics/pm0", json={"type": "gauge"}, headers=basic)).status in (200, 201, 204)
        answers = await asyncio.gather(
            *[client.put("/v1/metrics/pm0", json={"display_name": "Dk"}, headers=basic) for _ in range(4)],
            client.delete("/v1/metrics/pm0", headers=basic))
        updated = sum(1 for r in answers[:4] if r.status < 300)
        kinds = await types_of(client, f"metric-{acme['org']['id']}-pm0")
        last = kinds[len(kinds) - 1 - kinds[::-1].index("librato.metric.deleted"):]
        assert last == ["librato.metric.deleted"], kinds  # no update after the delete
        assert kinds.count("librato.metric.updated") >= updated


async def test_a_deleted_spaces_charts_do_not_outlive_it(client, acme):
    basic = acme["basic"]
    r = await client.post("/v1/spaces", json={"name": "s"}, headers=basic)
    space = (await r.json())["id"]
    chart = {"name": "c", "type": "line", "streams": [{"metric": "cpu", "source": "*"}]}
    answers = await asyncio.gather(client.delete(f"/v1/spaces/{space}", headers=basic),
                                   *[client.post(f"/v1/spaces/{space}/charts", json=chart, headers=basic) for _ in range(5)])
    assert answers[0].status == 204
    assert space not in client.app[RUNTIME]["dashboards"].state.dashboards
    assert all(r.status in (201, 404) for r in answers[1:])
    envs = await client.app[RUNTIME].store.query(EventFilter(), limit=100_000)
    [stream] = {e.stream for e in envs if e.type == "dashboard.deleted"}
    kinds = [e.type for e in envs if e.stream == stream]
    assert kinds[-1] == "dashboard.deleted", kinds  # no tile added after it


async def test_parallel_key_regenerations_leave_one_live_secret(client, acme):
    r = await client.post("/v2/keys", json={"name": "k", "permissions": ["GET"]}, headers=acme["m2x"])
    old = (await r.json())["key"]
    answers = await asyncio.gather(*[client.post(f"/v2/keys/{old}/regenerate", headers=acme["m2x"]) for _ in range(5)])
    assert sorted(r.status for r in answers) == [200, 404, 404, 404, 404]


async def test_points_racing_a_stream_delete_are_never_hidden(client, acme):
    """Before: a write that passed its check before the delete appended after it, to a stream
    then gone, and its points came back when the stream was made again. The racing writes go
    through /updates, which never makes a stream: after the delete the stream is gone, and so
    must every point be."""
    r = await client.post("/v2/devices", json={"name": "p", "visibility": "private"}, headers=acme["m2x"])
    device = (await r.json())["id"]
    base = f"/v2/devices/{device}/streams/t"
    rt = client.app[RUNTIME]
    for round_ in range(5):
        await client.put(base, json={}, headers=acme["m2x"])
        writes = [client.post(f"/v2/devices/{device}/updates", headers=acme["m2x"], json={"values": {"t": [
            {"timestamp": f"2024-01-01T00:{round_:02d}:{i:02d}Z", "value": i}]}}) for i in range(10)]
        answers = await asyncio.gather(*writes[:5], client.delete(base, headers=acme["m2x"]), *writes[5:])
        assert answers[5].status == 204 and all(a.status in (202, 422) for a in answers[:5] + answers[6:])
        assert "t" not in rt["devices"].device(device).streams
        assert rt["series"].count(acme["org"]["id"], device, "t") == 0, round_

async def test_views_after_the_races_rebuild_to_the_same_answers(client, acme):
    await test_one_of_ten_identical_creates_wins(client, acme, "device serial")
    rt = client.app[RUNTIME]
    await rt.store.save_checkpoint(rt.projector.snapshot())
    restored = Projector(registry.build())
    await restored.build(rt.store)
    org = acme["org"]["id"]
    assert restored["devices"].by_serial_number(org, "SER-RACE") == rt["devices"].by_serial_number(org, "SER-RACE")


# -- the lock itself ----------------------------------------------------------------------------

async def test_shared_holders_run_together_and_an_exclusive_one_alone():
    lock, log = SharedExclusive(), []

    async def hold(name: str, exclusive: bool, delay: float) -> None:
        async with lock.hold(exclusive):
            log.append(f"+{name}")
            await asyncio.sleep(delay)
            log.append(f"-{name}")

    await asyncio.gather(hold("r1", False, 0.02), hold("r2", False, 0.02), hold("w", True, 0.01),
                         hold("r3", False, 0.01))
    # r1 and r2 overlap; w waits for both; r3 came after w was waiting, so it waits for w
    assert log[:2] == ["+r1", "+r2"] and log.index("+w") > log.index("-r2") and log.index("+r3") > log.index("-w")
    assert lock.idle()


async def test_a_cancelled_waiter_gives_nothing_away():
    lock = SharedExclusive()
    entered = asyncio.Event()

    async def writer() -> None:
        async with lock.hold(True):
            entered.set()
            await asyncio.sleep(0.05)

    first = asyncio.create_task(writer())
    await entered.wait()
    waiting = asyncio.create_task(writer())
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(first, waiting, return_exceptions=True)
    assert lock.idle()
    async with lock.hold(True):  # and it can be taken again
        pass


async def test_two_writes_making_one_stream_of_two_types(client, acme):
    """Both would make the stream; one does, the other finds it: its value is either refused
    (a word on a numeric stream) or kept (a number on an alphanumeric one), never lost."""
    r = await client.post("/v2/devices", json={"name": "t", "visibility": "private"}, headers=acme["m2x"])
    device = (await r.json())["id"]
    for i in range(5):
        base = f"/v2/devices/{device}/streams/tr{i}"
        number, word = await asyncio.gather(client.put(base + "/value", json={"value": 1.5}, headers=acme["m2x"]),
                                            client.put(base + "/value", json={"value": "abc"}, headers=acme["m2x"]))
        kept = {str(v["value"]) for v in (await (await client.get(base + "/values", headers=acme["m2x"])).json())["values"]}
        assert (number.status, word.status) in ((202, 422), (202, 202)), (number.status, word.status)
        assert ("1.5" in kept or number.status != 202) and ("abc" in kept or word.status != 202), kept


async def test_the_lock_cannot_be_dodged_by_presenting_keys_oddly(client, acme):
    """An extra header of another dialect, or a key padded with spaces (which the handlers strip):
    the organization is still locked, and one of ten creates wins."""
    padded = {"Authorization": "Basic " + base64.b64encode(f"{acme['email']}:{acme['key']} ".encode()).decode(),
              "X-M2X-KEY": "nope"}
    for _ in range(3):
        r = await client.post("/v1/spaces", json={"name": "s"}, headers=padded)
        space = (await r.json())["id"]
        chart = {"name": "c", "type": "line", "streams": [{"metric": "cpu", "source": "*"}]}
        answers = await asyncio.gather(client.delete(f"/v1/spaces/{space}", headers=padded),
                                       *[client.post(f"/v1/spaces/{space}/charts", json=chart, headers=padded)
                                         for _ in range(5)])
        envs = await client.app[RUNTIME].store.query(EventFilter(), limit=100_000)
        [stream] = {e.stream for e in envs if e.type == "dashboard.deleted" and e.event.dashboard_id == space}
        assert [e.type for e in envs if e.stream == stream][-1] == "dashboard.deleted", [a.status for a in answers]
    calls = [client.post("/admin/users", json={"org_id": acme["org"]["id"], "email": "twice@acme.example"},
                         headers={**ADMIN, "X-M2X-KEY": "nope"}) for _ in range(10)]
    statuses = sorted(r.status for r in await asyncio.gather(*calls))
    assert statuses.count(201) == 1, statuses


async def test_a_slow_body_holds_up_no_one_else(client, acme):
    """The body is read before the organization's lock is taken."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"POST /v2/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
                 + f"X-M2X-KEY: {acme['key']}\r\n\r\n".encode() + b'{"na')
    await writer.drain()
    await asyncio.sleep(0.2)  # the server has the headers and waits for the rest
    try:
        r = await asyncio.wait_for(client.post("/v2/devices", json={"name": "quick"}, headers=acme["m2x"]), 5)
        assert r.status == 201
    finally:
        writer.close()


async def test_shared_waiters_behind_a_cancelled_exclusive_one_go_on():
    lock = SharedExclusive()
    reading = asyncio.Event()
    release = asyncio.Event()

    async def reader() -> None:
        async with lock.hold(False):
            reading.set()
            await release.wait()

    async def writer() -> None:
        async with lock.hold(True):
            pass

    first = asyncio.create_task(reader())
    await reading.wait()
    waiting_writer = asyncio.create_task(writer())
    await asyncio.sleep(0)
    second = asyncio.create_task(reader())  # queued behind the writer
    await asyncio.sleep(0)
    waiting_writer.cancel()
    await asyncio.sleep(0.01)
    assert lock.readers == 2  # the second reader went in once the writer was gone
    release.set()
    await asyncio.gather(first, second, waiting_writer, return_exceptions=True)
    assert lock.idle()


async def test_no_lock_for_paths_that_lead_nowhere_nor_for_dead_keys(client, acme):
    """While the organization's lock is held, a POST to no route, or with a disabled key, is
    answered at once (404, 401) instead of queueing, and behind it, the organization's ingest."""
    writes = client.app[WRITES]
    taken = await writes.acquire({acme["org"]["id"]}, exclusive=True)
    try:
        r = await asyncio.wait_for(client.post("/v2/nowhere", json={}, headers=acme["m2x"]), 5)
        assert r.status == 404
        await client.post(f"/admin/keys/{acme['key_id']}/disable", headers=ADMIN)
        r = await asyncio.wait_for(client.post("/v2/devices", json={"name": "x"}, headers=acme["m2x"]), 5)
        assert r.status == 401
    finally:
        writes.release(taken, exclusive=True)


def test_a_serial_shared_in_an_old_log_answers_the_same_live_and_restored():
    """Before the write lock a log could give two devices one serial; the earliest-created one
    answers, and a view restored from its dump answers the same."""
    from events import devices as ev
    from events.base import Envelope
    from projections.devices import Devices

    view = Devices()
    for i, (device, at) in enumerate((("b" * 32, 2), ("a" * 32, 1), ("c" * 32, 3)), 1):
        view._device(Envelope(position=i, stream=f"device-{device}", version=1, type="", recorded_at=at, actor="",
                              request_id="", event=ev.DeviceCreated(device_id=device, org_id=1, name=device[0],
                                                                    serial="S")),
                     ev.DeviceCreated(device_id=device, org_id=1, name=device[0], serial="S"))
    assert view.by_serial_number(1, "S").id == "a" * 32  # created first, though folded second
    restored = Devices()
    restored.load(msgspec.to_builtins(view.dump()))
    assert restored.by_serial_number(1, "S").id == "a" * 32
    # a later holder may still be updated keeping its serial; a fourth device may not take it
    from app.devices import check_device_fields
    from app.errors import Conflict
    check_device_fields(1, view, name="b", visibility="private", serial="S", tags=[], device_id="b" * 32)
    with pytest.raises(Conflict):
        check_device_fields(1, view, name="d", visibility="private", serial="S", tags=[], device_id="d" * 32)
