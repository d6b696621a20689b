"""The real PyPI client, librato-metrics 3.1.0, unchanged, against a live server: the data API.

Wire-level quirks this exercises (see /work/notes/readme-librato-data.md): the client sends JSON
bodies only; GET parameters in the query string with ``k[]=v`` lists and ``True``/``False``
booleans; queued tagged measurements as ``sum`` + ``count``; ``"tags": {}`` on every queued entry;
and ``get_metric`` does not exist in 3.1.0 (``NotImplementedError`` on the client side).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from typing import Any

import librato
import librato.exceptions
from librato.aggregator import Aggregator
import pytest

from tests.conftest import LiveServer, live_org_key

T0 = 1_700_000_040  # a multiple of 60

# The client raises on a 4xx before it closes its connection, leaving the socket to the GC: its
# ResourceWarning is the client's, and is collected here so that it never lands on another test.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def collect_leaked_sockets() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[Any]:
    k = live_org_key(live_server, "acme")
    conn = librato.connect(k["email"], k["key"], hostname=live_server.url.removeprefix("http://"), protocol="http")
    conn.set_timeout(10)
    yield conn


def test_submit_gauges_and_counters_and_get_them_back(api: Any) -> None:
    api.submit("cpu", 40.5, source="web-1", measure_time=T0)
    api.submit("cpu", 42, source="web-2", measure_time=T0 + 1)
    api.submit("requests", 7, type="counter", source="web-1", measure_time=T0)
    cpu = api.get("cpu", start_time=T0 - 60, resolution=1)
    assert isinstance(cpu, librato.metrics.Gauge) and cpu.name == "cpu"
    assert cpu.measurements == {"web-1": [{"measure_time": T0, "value": 40.5, "count": 1}],
                                "web-2": [{"measure_time": T0 + 1, "value": 42.0, "count": 1}]}
    only = api.get("cpu", start_time=T0 - 60, sources=["web-2"], summarize_sources=True)
    assert sorted(only.measurements) == ["all", "web-2"]
    req = api.get("requests", count=10, resolution=1)
    assert isinstance(req, librato.metrics.Counter) and req.measurements["web-1"][0]["value"] == 7.0


def test_queue_submits_legacy_and_tagged_chunks(api: Any) -> None:
    q = api.new_queue()
    for i in range(350):  # more than the client's 300 per POST: two legacy chunks
        q.add("queued", i, source="s", measure_time=T0 + i)
    q.add("queued.counter", 3, type="counter", measure_time=T0)
    q.add_tagged("queued.tagged", 5, tags={"host": "a"}, time=T0)
    q.submit()
    got = api.get("queued", start_time=T0, end_time=T0 + 1000)
    assert len(got.measurements["s"]) == 350
    assert api.get("queued.counter", count=1).measurements["unassigned"][0]["value"] == 3.0
    tagged = api.get_tagged("queued.tagged", start_time=T0 - 1)
    assert tagged["series"] == [{"tags": {"host": "a"}, "measurements": [{"time": T0, "value": 5.0}]}]


def test_submit_tagged_with_connection_tags(api: Any) -> None:
    api.submit_tagged("mem", 12.5, tags={"Host": "web-1", "region": "eu"}, time=T0)
    api.set_tags({"region": "us"})
    api.submit("mem", 3.0, time=T0)  # connection tags make submit() go tagged
    body = api.get_tagged("mem", start_time=T0, tags={"region": "eu"})
    assert body["series"] == [{"tags": {"host": "web-1", "region": "eu"}, "measurements": [{"time": T0, "value": 12.5}]}]
    body = api.get_measurements("mem", duration=int(time.time()) - T0 + 60, resolution=60)
    assert sorted(tuple(sorted(s["tags"])) for s in body["series"]) == [("host", "region"), ("region",)]


def test_aggregator_summaries(api: Any) -> None:
    agg = Aggregator(api, source="agg", measure_time=T0)
    for v in (1, 2, 3, 10):
        agg.add("latency", v)
    agg.submit()
    got = api.get("latency", start_time=T0, resolution=1)
    assert got.measurements["agg"] == [{"measure_time": T0, "value": 4.0, "count": 4, "sum": 16, "min": 1, "max": 10}]


def test_list_update_and_delete(api: Any) -> None:
    for i in range(120):
        api.submit(f"m.{i:03d}", i, measure_time=T0)
    page = api.list_metrics(length=10, offset=5)
    assert [m.name for m in page] == [f"m.{i:03d}" for i in range(5, 15)]
    assert len(list(api.list_all_metrics())) == 120
    assert [m.name for m in api.list_metrics(name="m.11")] == [f"m.{i}" for i in range(110, 120)]
    assert api.update("m.000", display_name="Zero", attributes={"display_units_short": "ms"}, period=60) is None
    m = api.get("m.000")
    assert (m.period, m.attributes["display_units_short"]) == (60, "ms")
    api.delete("m.000")
    api.delete(["m.001", "m.002", "m.nothing"])
    assert len(list(api.list_all_metrics())) == 117
    with pytest.raises(librato.exceptions.NotFound):
        api.get("m.000")


def test_errors_come_back_as_the_clients_exceptions(api: Any, live_server: LiveServer) -> None:
    with pytest.raises(librato.exceptions.BadRequest) as exc:
        api.submit("bad name!", 1)
    assert "name" in str(exc.value)
    with pytest.raises(librato.exceptions.BadRequest):
        api.submit("x", float("nan"))  # json.dumps writes NaN, which is not JSON: refused, nothing stored
    with pytest.raises(librato.exceptions.BadRequest):
        api.submit_tagged("x", "high", tags={"a": "b"})
    assert list(api.list_all_metrics()) == []
    wrong = librato.connect("owner@example.com", "not-the-key", hostname=live_server.url.removeprefix("http://"),
                            protocol="http")
    with pytest.raises(librato.exceptions.Unauthorized):
        wrong.list_metrics()
    with pytest.raises(NotImplementedError):  # 3.1.0 dropped get_metric: it never reaches the wire
        api.get_metric("cpu")
