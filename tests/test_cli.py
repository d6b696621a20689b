"""The `broadsheet` command on a data directory, with and without a server running on it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.http import RUNTIME
from tests.conftest import ADMIN, make_config


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "BROADSHEET_ADMIN_KEY": "a" * 32, **(env or {})})


def test_first_use_bootstraps_and_prints_a_generated_admin_key_once(tmp_path):
    env = {"BROADSHEET_ADMIN_KEY": "", "BROADSHEET_ADMIN_EMAIL": "ops@example.com"}
    first = cli(tmp_path, "orgs", "list", env=env)
    assert first.returncode == 0, first.stderr
    key = next(line.split()[-1] for line in first.stderr.splitlines() if "admin key:" in line)
    assert len(key) == 32 and "ops@example.com" in first.stderr
    again = cli(tmp_path, "orgs", "list", env=env)
    assert "admin key" not in again.stderr and key not in again.stdout + again.stderr


def test_orgs_users_and_keys(tmp_path):
    assert cli(tmp_path, "orgs", "create", "acme").stdout.strip() == "2"
    made = cli(tmp_path, "keys", "create", "--org", "acme", "--user", "bob@acme.example", "--scope", "data:read")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert len(key) == 32 and made.stdout == key + "\n"  # the key alone on stdout
    listing = cli(tmp_path, "keys", "list", "--org", "acme").stdout
    assert "data:read" in listing and key not in listing and key[-4:] in listing
    assert "bob@acme.example" in cli(tmp_path, "users", "list").stdout
    dup = cli(tmp_path, "orgs", "create", "acme")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    bad = cli(tmp_path, "keys", "create", "--org", "nope", "--user", "x@y.z")
    assert bad.returncode == 2 and "not found" in bad.stderr
    assert cli(tmp_path, "keys", "create", "--org", "acme", "--user", "x@y.z", "--scope", "root").returncode == 2
    assert cli(tmp_path, "orgs", "disable", "acme").returncode == 0
    assert "False" in cli(tmp_path, "orgs", "list").stdout


async def test_what_the_cli_appends_is_served_by_a_running_server(aiohttp_client, tmp_path):
    from app.server import create_app
    config = make_config(tmp_path / "d")
    client = await aiohttp_client(create_app(config))
    rt = client.app[RUNTIME]
    made = cli(Path(config.data_dir), "keys", "create", "--org", "Main Org.", "--user", "cli@example.com", "--scope", "admin")
    assert made.returncode == 0, made.stderr
    await rt.projector.wait(await rt.store.head(), timeout=1.0)  # tailed within a second
    r = await client.get("/admin/orgs", headers={"Authorization": f"Bearer {made.stdout.strip()}"})
    assert r.status == 200
    # and the server's own writes after it still chain correctly
    assert (await client.post("/admin/orgs", json={"name": "after"}, headers=ADMIN)).status == 201
    assert (await (await client.get("/admin/verify", headers=ADMIN)).json())["ok"] is True


def test_audit_filters_and_json(tmp_path):
    cli(tmp_path, "orgs", "create", "acme")
    cli(tmp_path, "keys", "create", "--org", "acme", "--user", "bob@acme.example")
    table = cli(tmp_path, "audit").stdout.splitlines()
    assert table[0].split() == ["POSITION", "RECORDED_AT", "ENTITY", "TYPE", "ACTOR", "DATA"]
    assert len(table) == 1 + 6
    rows = [json.loads(line) for line in cli(tmp_path, "audit", "--json", "--actor", "cli").stdout.splitlines()]
    assert [r["type"] for r in rows] == ["org.created", "user.created", "key.created"]
    rows = [json.loads(line) for line in cli(tmp_path, "audit", "--json", "--entity", "key-2").stdout.splitlines()]
    assert [r["entity"] for r in rows] == ["key-2"]
    assert cli(tmp_path, "audit", "--json", "--since", "2150-01-01").stdout == ""
    assert cli(tmp_path, "audit", "--since", "soon").returncode == 2


def test_replay_as_of_position_and_time(tmp_path):
    cli(tmp_path, "orgs", "create", "acme")
    before = json.loads(cli(tmp_path, "audit", "--json", "--entity", "org-2").stdout)
    cli(tmp_path, "orgs", "disable", "acme")
    old = json.loads(cli(tmp_path, "replay", "--as-of", str(before["position"]), "org-2").stdout)
    assert old["state"]["enabled"] is True and old["version"] == 1
    now = json.loads(cli(tmp_path, "replay", "--as-of", "2150-01-01T00:00:00Z", "org-2").stdout)
    assert now["state"]["enabled"] is False and now["version"] == 2
    assert cli(tmp_path, "replay", "--as-of", "1", "org-2").returncode == 2  # did not exist yet


def test_verify_reports_tampering_by_position(tmp_path):
    cli(tmp_path, "orgs", "create", "acme")
    ok = cli(tmp_path, "verify")
    assert ok.returncode == 0 and "chain intact" in ok.stdout
    head_hash = ok.stdout.split("head hash ")[1].strip()
    last = json.loads(cli(tmp_path, "audit", "--json").stdout.splitlines()[-1])
    assert head_hash == last["hash"] and len(head_hash) == 64
    with sqlite3.connect(tmp_path / "events.db") as conn:
        conn.execute("UPDATE events SET actor = 'someone-else' WHERE position = 4")
    bad = cli(tmp_path, "verify")
    assert bad.returncode == 1 and "position 4" in bad.stdout


def test_bad_configuration_is_refused_before_anything_is_written(tmp_path):
    short = cli(tmp_path, "orgs", "list", env={"BROADSHEET_ADMIN_KEY": "short"})
    assert short.returncode == 2 and "at least 16 characters" in short.stderr
    assert not (tmp_path / "events.db").exists()
    port = cli(tmp_path, "serve", "--port", "70000")
    assert port.returncode == 2 and "out of range" in port.stderr


def test_bad_arguments_get_a_message_not_a_traceback(tmp_path):
    """Arguments that are not UTF-8 (as a shell passes bytes) and positions beyond SQLite's
    integers: a one-line message and exit code 2, or an empty answer, never a traceback."""
    bad = os.fsdecode(b"\xff")  # what Python makes of a non-UTF-8 argument: a lone surrogate
    assert cli(tmp_path, "orgs", "create", "acme").returncode == 0
    for args, code in ((("orgs", "create", bad), 2), (("keys", "create", "--org", "acme", "--user", f"a{bad}@b.c"), 2),
                       (("audit", "--actor", bad), 0), (("audit", "--entity", bad), 0),
                       (("audit", "--after", "9" * 30), 0), (("replay", "--as-of", "5", f"org-{bad}"), 2),
                       (("audit", "--limit", "0"), 2), (("audit", "--after", "-1"), 2)):
        done = subprocess.run([sys.executable, "-m", "app", *args, "--data-dir", str(tmp_path)],
                              capture_output=True, timeout=60, env={**os.environ, "BROADSHEET_ADMIN_KEY": "a" * 32})
        assert done.returncode == code, (args, done.stderr)
        assert b"Traceback" not in done.stderr, (args, done.stderr)


def test_a_bad_setting_names_the_variable_to_fix(tmp_path):
    env = {**os.environ, "BROADSHEET_PORT": "abc", "BROADSHEET_DATA_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "app", "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "BROADSHEET_PORT (or --port) must be an integer" in r.stderr, r.stderr


async def test_the_server_checks_its_writes_again_when_the_cli_wrote_meanwhile(aiohttp_client, tmp_path):
    """The server looks for the CLI's events only every tail interval (here: never, in the
    test's time). A write checked against views that lack them used to be committed: a key the
    CLI had just disabled minted a working key, and names the CLI had just taken were taken twice.
    Now the store refuses such an append, hands the CLI's events to the views, and the request
    is checked again."""
    from app.server import create_app
    config = make_config(tmp_path / "d", tail_interval=3600.0)
    client = await aiohttp_client(create_app(config))
    rt = client.app[RUNTIME]
    r = await client.post("/admin/keys", json={"user_id": 1, "scopes": ["*"]}, headers=ADMIN)
    made = await r.json()
    k = {"Authorization": f"Bearer {made['key']}"}
    assert cli(Path(config.data_dir), "keys", "disable", str(made["id"])).returncode == 0
    r = await client.post("/admin/keys", json={"user_id": 1, "scopes": ["*"]}, headers=k)
    assert r.status == 401, await r.text()  # the disabled key mints nothing
    assert cli(Path(config.data_dir), "orgs", "create", "acme").returncode == 0
    r = await client.post("/admin/orgs", json={"name": "acme"}, headers=ADMIN)
    assert r.status == 409, await r.text()
    user = await (await client.post("/admin/users", json={"org_id": 1, "email": "u@example.com"}, headers=ADMIN)).json()
    assert cli(Path(config.data_dir), "users", "disable", str(user["id"])).returncode == 0
    r = await client.post("/admin/keys", json={"user_id": user["id"]}, headers=ADMIN)
    assert r.status != 201, await r.text()
    types = [e.type for e in await rt.store.read()]
    assert types[-4:] == ["key.disabled", "org.created", "user.created", "user.disabled"], types  # nothing refused got in
    assert (await (await client.get("/admin/verify", headers=ADMIN)).json())["ok"] is True


async def test_the_cli_checks_again_when_the_server_wrote_meanwhile(tmp_path):
    """The CLI's side of the same: its views were built when it opened the log."""
    from app import accounts
    from app.errors import Conflict
    from app.runtime import Runtime
    config = make_config(tmp_path)
    cli_rt, server_rt = await Runtime.open(config), await Runtime.open(config)
    try:
        await server_rt.checked(lambda: accounts.create_org(server_rt, "acme", actor="key-1"))
        with pytest.raises(Conflict):
            await cli_rt.checked(lambda: accounts.create_org(cli_rt, "acme", actor="cli"))
        # a busy server's ingest does not make the CLI's commands stale: they run once
        from events.base import Pending
        from events.series import PointsAdded
        runs = 0

        async def create() -> object:
            nonlocal runs
            runs += 1
            if runs == 1:  # between the command's checks and its append, the server ingests
                await server_rt.append([Pending("series-x", (PointsAdded(org_id=1, times=[1.0], values=[1.0]),))],
                                       actor="key-1")
            return await accounts.create_org(cli_rt, "beta", actor="cli")
        await cli_rt.checked(create)
        assert runs == 1
        assert [e.type for e in await cli_rt.store.read()].count("org.created") == 2  # acme once, and beta
    finally:
        await cli_rt.close(checkpoint=False)
        await server_rt.close(checkpoint=False)


def test_the_state_as_of_a_printed_time_includes_the_event_printed_with_it(tmp_path):
    """Times were printed to the millisecond and recorded to the microsecond: as of the printed
    time of an event, the event had not happened yet."""
    cli(tmp_path, "orgs", "create", "acme")
    cli(tmp_path, "orgs", "disable", "acme")
    events = [json.loads(line) for line in cli(tmp_path, "audit", "--json", "--entity", "org-2").stdout.splitlines()]
    disabled = events[-1]
    assert disabled["type"] == "org.disabled" and len(disabled["recorded_at"]) == len("2026-11-23T04:37:53.160676Z")
    then = json.loads(cli(tmp_path, "replay", "--as-of", disabled["recorded_at"], "org-2").stdout)
    assert then["version"] == 2 and then["state"]["enabled"] is False
    since = cli(tmp_path, "audit", "--json", "--entity", "org-2", "--since", disabled["recorded_at"]).stdout.splitlines()
    assert [json.loads(line)["position"] for line in since] == [disabled["position"]]


async def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`broadsheet audit --json | head -1` ended in a BrokenPipeError traceback."""
    from events.accounts import OrgCreated
    from events.base import Pending
    from events.sqlite import SqliteEventStore
    store = await SqliteEventStore.open(tmp_path / "events.db")
    await store.append([Pending(f"org-{n}", (OrgCreated(org_id=n, name="x" * 200),), 0) for n in range(2, 3000)],
                       actor="t")
    await store.close()
    for args in (["audit", "--json", "--limit", "3000"], ["orgs", "list"]):
        proc = subprocess.Popen([sys.executable, "-m", "app", *args, "--data-dir", str(tmp_path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "BROADSHEET_ADMIN_KEY": "a" * 32})
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()  # the first line
        proc.stdout.close()  # as `head -1` does
        err = proc.stderr.read().decode()
        proc.stderr.close()
        assert proc.wait(60) == 0 and "Traceback" not in err and "carried out" not in err, (args, err)


def test_a_new_key_whose_output_is_lost_is_not_a_quiet_success(tmp_path):
    """`keys create … | head -c0` made the key and exited 0 with the key shown nowhere."""
    cli(tmp_path, "orgs", "create", "acme")
    proc = subprocess.Popen([sys.executable, "-m", "app", "keys", "create", "--org", "acme", "--user", "a@acme.example",
                             "--data-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "BROADSHEET_ADMIN_KEY": "a" * 32})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads the key
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(60) == 1 and "carried out" in err and "Traceback" not in err, err
