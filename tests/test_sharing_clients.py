"""The seeds' curl examples, run verbatim through curl (only the host replaced), and the real
librato-metrics 3.1.0 client's generic ``_mexe`` for tokens, snapshots and jobs, against a
live server."""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import librato
import librato.exceptions
import pytest

from app.http import RUNTIME
from app.sharing.runner import RUNNER
from events.base import Pending
from events.charts import ChartCreated, SeriesRef
from events.shares import ShareCreated
from tests.conftest import live_org_key

SEEDS = Path("/work/shared/seeds")

# The client raises on a 4xx before it closes its connection, leaving the socket to the GC: its
# ResourceWarning is the client's (as in test_librato_client.py), collected after each test.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def collect_leaked_sockets() -> Iterator[None]:
    yield
    gc.collect()
HOST = "https://metrics-api.librato.com"


def shell_blocks(name: str) -> list[str]:
    return re.findall(r"```shell\n(.*?)\n```", (SEEDS / name).read_text(), re.S)


def run_curl(block: str, url: str, k: dict[str, str]) -> tuple[int | None, str]:
    """One example, verbatim but for the host. Returns the status (when the example asks for
    headers with -i) and the body."""
    command = block.replace(HOST, url)
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True,
                         env={**os.environ, "LIBRATO_USERNAME": k["email"], "LIBRATO_TOKEN": k["key"]}).stdout
    if " -i" not in block and "-i \\" not in block:
        return None, out
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    return int(head.split()[1]), body


def drain(server) -> None:
    server.call(server.runner.app[RUNNER].drained())


def seed_world(server, org_id: int) -> None:
    """The entities the examples name: instrument 1848 and the tokens irhjoz9f and conrhpsk.
    Ids and tokens are the server's to choose, so these are appended as the events an earlier
    create would have written."""
    rt = server.runner.app[RUNTIME]
    created = ChartCreated(chart_id=1848, uid="f" * 32, org_id=org_id, name="Server Temperature",
                           series=(SeriesRef(source="*", metric="temperature"),), origin="instrument")
    shares = [Pending(f"share-{t}", (ShareCreated(token=t, org_id=org_id, dialect="librato", target_kind="chart",
                                                  target_id=1848),), 0) for t in ("irhjoz9f", "conrhpsk")]
    server.call(rt.append([Pending("chart-1848", (created,), 0), *shares], actor="test"))


@pytest.mark.skipif(subprocess.run(["which", "curl"], capture_output=True).returncode != 0, reason="no curl")
def test_the_seeds_curl_examples_work_verbatim(live_server):
    k = live_org_key(live_server, "acme")
    conn = librato.connect(k["email"], k["key"], hostname=live_server.url.removeprefix("http://"), protocol="http")
    first = conn._mexe("instruments", method="POST", query_props={"name": "one", "streams": [{"metric": "cpu"}]})
    assert first["id"] == 1  # the snapshot examples take chart 1
    seed_world(live_server, k["org"]["id"])

    get_one, create, delete, list_all = shell_blocks("librato-chart-tokens.md")
    status, body = run_curl(get_one, live_server.url, k)
    assert status == 200
    assert {key: v for key, v in json.loads(body).items() if key != "url"} == {
        "token": "irhjoz9f", "entity_id": 1848, "entity_type": "instrument"}

    status, body = run_curl(create, live_server.url, k)
    made = json.loads(body)
    assert made["entity_id"] == 1848 and made["entity_type"] == "instrument" and len(made["token"]) == 8

    status, body = run_curl(delete, live_server.url, k)
    assert status == 204 and body == ""

    status, body = run_curl(list_all, live_server.url, k)
    listing = json.loads(body)
    assert status == 200
    assert listing["query"] == {"found": 2, "length": 2, "offset": 0, "total": 2}
    assert sorted(c["token"] for c in listing["charts"]) == sorted(["irhjoz9f", made["token"]])

    create_snap, get_snap = shell_blocks("librato-snapshots.md")
    status, body = run_curl(create_snap, live_server.url, k)
    snap = json.loads(body)
    assert snap["href"] == f"{live_server.url}/v1/snapshots/1"
    assert snap["subject"] == {"chart": {"id": 1, "sources": ["*"], "type": "stacked"}}
    drain(live_server)
    status, body = run_curl(get_snap, live_server.url, k)
    got = json.loads(body)
    assert status == 200 and got["image_href"].endswith(".png") and got["href"] == snap["href"]


def test_librato_metrics_mexe_for_tokens_snapshots_and_jobs(live_server):
    k = live_org_key(live_server, "acme")
    api = librato.connect(k["email"], k["key"], hostname=live_server.url.removeprefix("http://"), protocol="http")
    inst = api._mexe("instruments", method="POST", query_props={"name": "CPU", "streams": [{"metric": "cpu"}]})

    tok = api._mexe("charts", method="POST", query_props={"entity_type": "instrument", "entity_id": inst["id"]})
    assert tok["entity_id"] == inst["id"] and tok["entity_type"] == "instrument"
    assert api._mexe(f"charts/{tok['token']}") == tok
    page = api._mexe("charts", query_props={"token": tok["token"][1:5].upper(), "orderby": "token", "length": 10})
    assert [c["token"] for c in page["charts"]] == [tok["token"]]
    assert api._mexe(f"charts/{tok['token']}", method="DELETE") is None
    with pytest.raises(librato.exceptions.NotFound):
        api._mexe(f"charts/{tok['token']}")
    with pytest.raises(librato.exceptions.BadRequest) as exc:
        api._mexe("charts", method="POST", query_props={"entity_type": "space", "entity_id": inst["id"]})
    assert "entity_type" in str(exc.value)
    with pytest.raises(librato.exceptions.BadRequest):
        api._mexe("charts", query_props={"orderby": "entity_id"})

    snap = api._mexe("snapshots", method="POST", query_props={
        "subject": {"chart": {"id": inst["id"], "type": "bignumber"}}, "duration": 600})
    assert snap["image_href"] is None and snap["duration"] == 600
    job_id = snap["job_href"].rsplit("/", 1)[1]
    assert api._mexe(f"jobs/{job_id}")["state"] in ("queued", "working", "complete")
    drain(live_server)
    assert api._mexe(f"jobs/{job_id}") == {"id": int(job_id), "state": "complete", "progress": 100.0}
    done = api._mexe("snapshots/" + snap["href"].rsplit("/", 1)[1])
    assert done["image_href"].startswith(live_server.url)
    with pytest.raises(librato.exceptions.BadRequest):
        api._mexe("snapshots", method="POST", query_props={"subject": {"chart": {"id": inst["id"], "type": "pie"}}})
    with pytest.raises(librato.exceptions.NotFound):
        api._mexe("jobs/987654")
