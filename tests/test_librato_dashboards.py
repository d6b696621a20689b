"""Librato legacy dashboards holding instruments (``/v1/dashboards``), as librato-metrics 2.1.2
speaks them.

2.1.2 and 3.1.0 both install the package ``librato``, so they cannot share the test venv (which
has 3.1.0 for the spaces tests). Two tests therefore cover 2.1.2:
- ``test_librato_2_1_2_wire_replay`` always runs: it sends the exact requests 2.1.2 sends
  (/work/notes/clients.md §2, checked against a recording server) and checks every key the
  client reads from the answers;
- ``test_librato_2_1_2_real_client`` runs the real client in a subprocess, from a venv made on
  first use under ~/.cache (``pip install librato-metrics==2.1.2``) or from
  ``$BROADSHEET_LIBRATO2_PYTHON``; it is skipped, saying why, where that venv cannot be made.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import live_org_key, make_org_key

CLIENT_SCRIPT = Path(__file__).parent / "clients" / "librato212_dashboards.py"


async def _librato(client, name="acme", **kw):
    made = await make_org_key(client, name, **kw)
    token = base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()
    return {"Authorization": f"Basic {token}", "User-Agent": "python-librato/2.1.2 (python; 3.11.7)"}


async def _position(client):
    return (await (await client.get("/healthz")).json())["position"]


def _instrument_keys(body):
    assert {"id", "name", "streams", "attributes"} <= set(body) and isinstance(body["id"], int)


def _dashboard_keys(body):
    assert {"id", "name", "instruments"} <= set(body) and all("id" in i for i in body["instruments"])


async def test_librato_2_1_2_wire_replay(client):
    h = await _librato(client)
    # create_instrument('Temp', streams=[...], attributes={...})
    r = await client.post("/v1/instruments", headers=h, json={
        "name": "Temp", "attributes": {"display_stacked": False}, "streams": [{"metric": "cpu", "source": "*"}]})
    assert r.status == 201
    inst = await r.json()
    _instrument_keys(inst)
    # create_instrument('T2') with no kwargs
    r = await client.post("/v1/instruments", headers=h, json={"name": "T2", "attributes": {}, "streams": []})
    plain = await r.json()
    _instrument_keys(plain)
    # list_instruments(length=10): one request, no paging
    r = await client.get("/v1/instruments?length=10", headers=h)
    listed = await r.json()
    assert [i["name"] for i in listed["instruments"]] == ["Temp", "T2"]
    for i in listed["instruments"]:
        _instrument_keys(i)
    # get_instrument, then update_instrument(inst, name='Temp2') echoes the full streams with id/type
    got = await (await client.get(f"/v1/instruments/{inst['id']}", headers=h)).json()
    assert got["streams"][0]["type"] == "gauge"
    r = await client.put(f"/v1/instruments/{inst['id']}", headers=h, json={
        "name": "Temp2", "attributes": got["attributes"], "streams": got["streams"]})
    assert r.status == 204 and await r.read() == b""
    # inst.new_stream('mem', group_function='sum'); inst.save()
    streams = got["streams"] + [{"metric": "mem", "source": "*", "group_function": "sum"}]
    r = await client.put(f"/v1/instruments/{inst['id']}", headers=h,
                         json={"name": "Temp2", "attributes": {}, "streams": streams})
    assert r.status == 204
    got = await (await client.get(f"/v1/instruments/{inst['id']}", headers=h)).json()
    assert [(s["metric"], s["group_function"]) for s in got["streams"]] == [("cpu", "average"), ("mem", "sum")]
    # create_dashboard('Main', instruments=[5, 6]): ids go out as plain integers
    r = await client.post("/v1/dashboards", headers=h, json={"name": "Main", "instruments": [inst["id"], plain["id"]]})
    assert r.status == 201 and r.headers["Location"].startswith("/v1/dashboards/")
    dash = await r.json()
    _dashboard_keys(dash)
    assert [i["id"] for i in dash["instruments"]] == [inst["id"], plain["id"]]
    listed = await (await client.get("/v1/dashboards", headers=h)).json()
    assert [d["id"] for d in listed["dashboards"]] == [dash["id"]]
    _dashboard_keys(listed["dashboards"][0])
    # update_dashboard(d, name='Main2')
    r = await client.put(f"/v1/dashboards/{dash['id']}", headers=h,
                         json={"name": "Main2", "instruments": [plain["id"]]})
    assert r.status == 204
    got = await (await client.get(f"/v1/dashboards/{dash['id']}", headers=h)).json()
    assert got["name"] == "Main2" and [i["id"] for i in got["instruments"]] == [plain["id"]]
    # _mexe('instruments/N', method='DELETE'): the instrument leaves the dashboard too
    assert (await client.delete(f"/v1/instruments/{plain['id']}", headers=h)).status == 204
    got = await (await client.get(f"/v1/dashboards/{dash['id']}", headers=h)).json()
    assert got["instruments"] == []
    assert (await client.delete(f"/v1/dashboards/{dash['id']}", headers=h)).status == 204
    assert (await client.get(f"/v1/dashboards/{dash['id']}", headers=h)).status == 404


async def test_bad_dashboards_are_refused_and_nothing_stored(client):
    h = await _librato(client)
    other = await _librato(client, "other", email="o@example.com")
    foreign = await (await client.post("/v1/instruments", headers=other, json={"name": "theirs"})).json()
    space = await (await client.post("/v1/spaces", headers=h, json={"name": "s"})).json()
    dash = await (await client.post("/v1/dashboards", headers=h, json={"name": "d"})).json()
    before = await _position(client)
    for body in ({}, {"name": ""}, {"name": "x", "instruments": [foreign["id"]]}, {"name": "x", "instruments": [999]},
                 {"name": "x", "instruments": ["abc"]}, {"name": "x", "instruments": 5}):
        r = await client.post("/v1/dashboards", headers=h, json=body)
        assert r.status == 400 and "params" in (await r.json())["errors"], (body, r.status)
    r = await client.put(f"/v1/dashboards/{dash['id']}", headers=h, json={"instruments": [foreign["id"]]})
    assert r.status == 400
    # a space is a dashboard in the model, but not a legacy one
    assert (await client.get(f"/v1/dashboards/{space['id']}", headers=h)).status == 404
    assert (await client.get(f"/v1/dashboards/{dash['id']}", headers=other)).status == 404
    assert await _position(client) == before


def _librato2_python() -> str:
    explicit = os.environ.get("BROADSHEET_LIBRATO2_PYTHON")
    if explicit:
        return explicit
    venv = Path.home() / ".cache" / "broadsheet-tests" / "librato-metrics-2.1.2"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import librato; assert librato.__version__ == '2.1.2'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "librato-metrics==2.1.2"], check=True,
                       capture_output=True, timeout=300)
        subprocess.run(check, check=True, capture_output=True, timeout=60)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"cannot make a venv with librato-metrics==2.1.2 ({exc}); the wire replay test covers it")
    return str(python)


def test_librato_2_1_2_real_client(live_server):
    python = _librato2_python()
    made = live_org_key(live_server, "acme")
    done = subprocess.run([python, str(CLIENT_SCRIPT), live_server.url, made["email"], made["key"]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["version"] == "2.1.2"
    inst_id, name, streams, attributes = out["created"]
    assert (name, streams, attributes) == ("Temp", [["cpu", "web-*"]], {"display_stacked": False})
    plain_id = out["plain"][0]
    assert out["plain"][1:] == ["Plain", []]
    assert out["listed"] == ["Plain", "Temp"]
    assert out["got_type"] == "gauge"
    assert out["updated"] == ["Temp2", [["cpu", "average"], ["mem", "sum"]]]
    assert out["dash"][1:] == ["Main", [inst_id, plain_id]]
    assert out["dash_list"] == [["Main", [inst_id, plain_id]]]
    assert out["dash_updated"] == ["Main2", [plain_id], ["Plain"]]
    assert out["after_instrument_delete"] == []
    assert out["deleted"] is True
