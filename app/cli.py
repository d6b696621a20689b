"""The ``broadsheet`` command: serve, manage organizations, users and keys, and audit the log.

Every command works on a data directory whether or not a server runs on it: the log is the one
source of truth, appends from here are committed to it, and a running server tails it.
"""

from __future__ import annotations

import argparse
import os
import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TextIO, TypeVar

import msgspec

from app import accounts, audit, config as config_mod
from app.config import Config
from app.errors import DomainError
from app.runtime import Runtime
from events.errors import StoreError, Unstorable
from events.sqlite import SqliteEventStore

ACTOR = "cli"
T = TypeVar("T")
_json = msgspec.json.Encoder()


def _count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``least``."""
    def parse(text: str) -> int:
        value = int(text)  # argparse turns the ValueError into its usage message
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value
    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="broadsheet", description="Publish charts and dashboards of time-series data.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_, description=help_)
        c.add_argument("--data-dir", help="data directory (env BROADSHEET_DATA_DIR; default ./broadsheet-data)")
        return c

    s = cmd("serve", "run the HTTP server")
    s.add_argument("--host", help="address to listen on (env BROADSHEET_HOST; default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (env BROADSHEET_PORT; default 8080)")

    orgs = sub.add_parser("orgs", help="organizations").add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_ in (("create", "create an organization"), ("disable", "disable an organization"),
                        ("enable", "enable an organization"), ("list", "list organizations")):
        c = orgs.add_parser(name, help=help_)
        c.add_argument("--data-dir")
        if name != "list":
            c.add_argument("name", metavar="NAME" if name == "create" else "ORG", help="name (or id)")

    users = sub.add_parser("users", help="users").add_subparsers(dest="action", required=True, metavar="ACTION")
    c = users.add_parser("create", help="create a user")
    c.add_argument("--data-dir")
    c.add_argument("--org", required=True, help="organization name or id")
    c.add_argument("--email", required=True)
    c.add_argument("--name", default="")
    c.add_argument("--role", default="member", choices=("member", "admin"))

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True, metavar="ACTION")
    c = keys.add_parser("create", help="create a key; prints the key alone on stdout")
    c.add_argument("--data-dir")
    c.add_argument("--org", required=True, help="organization name or id")
    c.add_argument("--user", required=True, metavar="EMAIL", help="the key's user (created if new)")
    c.add_argument("--scope", action="append", dest="scopes", metavar="S",
                   help=f"repeatable; default all but admin; one of *, {', '.join(accounts.SCOPES)}")
    c.add_argument("--name", default="")
    for group, listed, disabled in ((users, "list users", "disable a user and so every key of theirs"),
                                    (keys, "list keys (never their secret)", "disable a key")):
        c = group.add_parser("list", help=listed)
        c.add_argument("--data-dir")
        c.add_argument("--org", help="only this organization")
        c = group.add_parser("disable", help=disabled)
        c.add_argument("--data-dir")
        c.add_argument("id", type=int)

    a = cmd("audit", "list events of the log")
    a.add_argument("--entity", help="e.g. key-3; a kind alone (share) or key-* for every entity of a kind")
    a.add_argument("--actor", help="e.g. key-1, cli, system")
    a.add_argument("--type", help="event type, e.g. key.created")
    a.add_argument("--since", help="ISO 8601 time or Unix seconds (inclusive)")
    a.add_argument("--until", help="ISO 8601 time or Unix seconds (exclusive)")
    a.add_argument("--after", type=_count(0), default=0, help="only events after this position")
    a.add_argument("--limit", type=_count(1), default=1_000_000)
    a.add_argument("--json", action="store_true", help="NDJSON, one event per line")

    r = cmd("replay", "print an entity as it was at a log position or a time")
    r.add_argument("--as-of", required=True, metavar="TIME|POSITION")
    r.add_argument("entity", metavar="ENTITY", help="e.g. org-1, key-3, chart-17")

    cmd("verify", "check the hash chain of the whole log")
    return p


def _config(args: argparse.Namespace) -> Config:
    return config_mod.load(data_dir=args.data_dir, host=getattr(args, "host", None), port=getattr(args, "port", None))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        cfg = _config(args)
    except ValueError as exc:
        sys.stderr.write(f"broadsheet: {exc}\n")
        return 2
    if args.command == "serve":
        from app.server import serve

        serve(cfg)
        return 0
    try:
        return asyncio.run(_run(args, cfg))
    except BrokenPipeError:  # the reader went away (`broadsheet audit --json | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        if args.command in _READERS or getattr(args, "action", None) == "list":
            return 0  # a reader's output was cut short: what was asked for was read
        # a command that changed the log, and whose answer (a new key, shown once) was lost
        sys.stderr.write("broadsheet: the output could not be written (its reader went away); the command "
                         "was carried out: see `broadsheet audit --actor cli`\n")
        return 1
    except DomainError as exc:
        sys.stderr.write(f"broadsheet: {exc.message}\n")
        return 2
    except Unstorable as exc:  # e.g. a name that is not valid Unicode, as a shell can pass
        sys.stderr.write(f"broadsheet: {exc}\n")
        return 2
    except StoreError as exc:
        sys.stderr.write(f"broadsheet: {exc}\n")
        return 1


async def _run(args: argparse.Namespace, cfg: Config) -> int:
    if args.command in ("audit", "replay", "verify"):
        store = await SqliteEventStore.open(cfg.db_path)
        try:
            return await _READERS[args.command](store, args, sys.stdout)
        finally:
            await store.close()
    rt = await Runtime.open(cfg)
    try:
        raw = await accounts.bootstrap(rt)
        if raw:
            from app.server import announce_admin_key

            announce_admin_key(cfg, raw)
        # checked: run again if the server appended between this command's checks and its append
        # (each command, run again, does only what is left: keys create finds the user it made)
        return await rt.checked(lambda: _WRITERS[(args.command, args.action)](rt, args, sys.stdout),
                                rerun_after_append=True)
    finally:
        await rt.close(checkpoint=False)


# -- organizations, users, keys ---------------------------------------------------------------

def _table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


async def _orgs_create(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    org = await accounts.create_org(rt, args.name, actor=ACTOR)
    out.write(f"{org.id}\n")
    return 0


async def _orgs_set(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    org = accounts.find_org(rt, args.name)
    await accounts.set_org_enabled(rt, org.id, args.action == "enable", actor=ACTOR)
    return 0


async def _orgs_list(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    orgs = rt["accounts"].state.orgs.values()
    _table(out, ("ID", "NAME", "ENABLED"), [(o.id, o.name, o.enabled) for o in orgs])
    return 0


async def _users_create(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    org = accounts.find_org(rt, args.org)
    user = await accounts.create_user(rt, org.id, args.email, name=args.name, role=args.role, actor=ACTOR)
    out.write(f"{user.id}\n")
    return 0


def _of_org(rt: Runtime, args: argparse.Namespace, items: Iterable[T]) -> list[T]:
    """The items (users or keys) of ``--org``, or all of them."""
    org_id = accounts.find_org(rt, args.org).id if args.org else None
    return [i for i in items if org_id is None or i.org_id == org_id]  # type: ignore[attr-defined]


async def _users_list(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    users = _of_org(rt, args, rt["accounts"].state.users.values())
    _table(out, ("ID", "ORG", "EMAIL", "ROLE", "ENABLED"), [(u.id, u.org_id, u.email, u.role, u.enabled) for u in users])
    return 0


async def _users_disable(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    await accounts.disable_user(rt, args.id, actor=ACTOR)
    return 0


async def _keys_create(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    org = accounts.find_org(rt, args.org)
    user = rt["accounts"].user_by_email(org.id, args.user)
    if user is None:
        user = await accounts.create_user(rt, org.id, args.user, actor=ACTOR)
    _, raw = await accounts.create_key(rt, user.id, scopes=args.scopes, name=args.name, actor=ACTOR)
    out.write(raw + "\n")  # alone on stdout, so that KEY=$(broadsheet keys create ...) works
    return 0


async def _keys_list(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    keys = _of_org(rt, args, rt["accounts"].state.keys.values())
    _table(out, ("ID", "ORG", "USER", "HINT", "SCOPES", "ENABLED"),
           [(k.id, k.org_id, k.user_id, "…" + k.hint, ",".join(k.scopes), k.enabled) for k in keys])
    return 0


async def _keys_disable(rt: Runtime, args: argparse.Namespace, out: TextIO) -> int:
    await accounts.disable_key(rt, args.id, actor=ACTOR)
    return 0


Command = Callable[[Runtime, argparse.Namespace, TextIO], Awaitable[int]]
_WRITERS: dict[tuple[str, str], Command] = {
    ("orgs", "create"): _orgs_create, ("orgs", "disable"): _orgs_set, ("orgs", "enable"): _orgs_set,
    ("orgs", "list"): _orgs_list,
    ("users", "create"): _users_create, ("users", "list"): _users_list, ("users", "disable"): _users_disable,
    ("keys", "create"): _keys_create, ("keys", "list"): _keys_list, ("keys", "disable"): _keys_disable,
}


# -- audit ------------------------------------------------------------------------------------

async def _audit(store: SqliteEventStore, args: argparse.Namespace, out: TextIO) -> int:
    flt = audit.event_filter(entity=args.entity, actor=args.actor, type_=args.type, since=args.since,
                             until=args.until, after=args.after)
    remaining = args.limit
    rows = []
    while remaining > 0:
        envs = await store.query(flt, limit=min(remaining, 10_000))
        if not envs:
            break
        for env in envs:
            rec = audit.record(env)
            if args.json:
                out.write(_json.encode(rec).decode() + "\n")
            else:
                rows.append((rec["position"], rec["recorded_at"], rec["entity"], rec["type"], rec["actor"],
                             _brief(rec["data"])))
        remaining -= len(envs)
        flt = msgspec.structs.replace(flt, after=envs[-1].position)
    if not args.json:
        _table(out, ("POSITION", "RECORDED_AT", "ENTITY", "TYPE", "ACTOR", "DATA"), rows)
    return 0


def _brief(data: dict[str, Any], width: int = 80) -> str:
    text = _json.encode(data).decode()
    return text if len(text) <= width else text[: width - 1] + "…"


async def _replay(store: SqliteEventStore, args: argparse.Namespace, out: TextIO) -> int:
    state, version = await audit.as_of(store, args.entity, args.as_of)
    out.write(msgspec.json.format(_json.encode({"entity": args.entity, "version": version,
                                                "state": msgspec.to_builtins(state)}), indent=2).decode() + "\n")
    return 0


async def _verify(store: SqliteEventStore, args: argparse.Namespace, out: TextIO) -> int:
    head, head_hash = await audit.head(store)  # first: the walk below covers it
    breaks = await store.verify()
    if not breaks:
        out.write(f"ok: {head} events, chain intact, head hash {head_hash}\n")
        return 0
    for b in breaks:
        out.write(f"position {b.position}: {b.problem}\n")
    out.write(f"FAILED: {len(breaks)} problem(s) in {head} events\n")
    return 1


_READERS: dict[str, Callable[[SqliteEventStore, argparse.Namespace, TextIO], Awaitable[int]]] = {
    "audit": _audit, "replay": _replay, "verify": _verify,
}
