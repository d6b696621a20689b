"""Commands on organizations, users and keys: validate against the current view, then append.

Keys are 32 lowercase hex characters (the M2X format, which every other dialect accepts too),
shown once and stored only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable, Iterable

from app.errors import AccountInactive, Conflict, Invalid, NotFound
from app.http import small_int
from app.runtime import Runtime
from events import accounts as ev
from events.base import Pending
from events.errors import ConcurrencyError
from projections.accounts import Accounts, ApiKey, Org, User

# What a key may be allowed to do. "*" grants all of them.
SCOPES = (
    "admin",  # the /admin API and the audit: the server's operator
    "data:read", "data:write",  # series: M2X devices/streams/values, Librato metrics/measurements
    "charts:read", "charts:write",  # charts, instruments, spaces
    "dashboard:read", "dashboard:write",
    "sharing_configuration:read", "sharing_configuration:write",  # tokens, shares, snapshots
)
DEFAULT_SCOPES = tuple(s for s in SCOPES if s != "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def generate_key() -> str:
    return secrets.token_hex(16)


def hash_key(raw: str) -> str:
    # surrogatepass: a header that is not UTF-8 reaches us with surrogates; it hashes to
    # something no key has (401), instead of failing to encode
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


# The organization the server made on first start: its keys are the operator's. ``admin`` is
# server-wide (every organization, the whole audit), so only they can hold it; on any other
# organization's key neither ``admin`` nor ``*`` grants it.
OPERATOR_ORG = 1


def has_scope(key: ApiKey, scope: str) -> bool:
    if scope == "admin" and key.org_id != OPERATOR_ORG:
        return False
    return "*" in key.scopes or scope in key.scopes


def _accounts(rt: Runtime) -> Accounts:
    return rt["accounts"]  # type: ignore[no-any-return]


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(scopes))
    bad = [s for s in out if s != "*" and s not in SCOPES]
    if bad:
        raise Invalid(f"unknown scope {bad[0]!r}; known: *, {', '.join(SCOPES)}", field="scopes", reason="is invalid")
    return out


def check_org_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name must not be empty", field="name", reason="is not present")
    if len(name) > 200:
        raise Invalid("name is longer than 200 characters", field="name", reason="is too long")
    return name


async def create_org(rt: Runtime, name: str, *, actor: str, request_id: str = "") -> Org:
    name = check_org_name(name)
    if _accounts(rt).org_by_name(name):
        raise Conflict(f"an organization named {name!r} already exists", field="name", reason="has already been taken")
    org_id, _ = await rt.create("org", lambda n: [Pending(f"org-{n}", (ev.OrgCreated(org_id=n, name=name),), 0)],
                                actor=actor, request_id=request_id)
    return _accounts(rt).org(org_id)  # type: ignore[return-value]


def find_org(rt: Runtime, ref: str | int) -> Org:
    """An organization by id, or by name (the CLI's way)."""
    acc = _accounts(rt)
    ident = ref if isinstance(ref, int) else small_int(ref)
    org = acc.org(ident) if ident is not None else None
    org = org or acc.org_by_name(str(ref))
    if org is None:
        raise NotFound(f"organization {ref!r} not found", field="org")
    return org


def live_org(rt: Runtime, org_id: int) -> Org:
    org = _accounts(rt).org(org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found", field="org_id", reason="not found")
    if not org.enabled:
        raise AccountInactive(f"organization {org_id} is disabled", field="org_id")
    return org


async def set_org_enabled(rt: Runtime, org_id: int, enabled: bool, *, actor: str, request_id: str = "") -> Org:
    org = find_org(rt, org_id)
    if not enabled and org.id == OPERATOR_ORG:  # its keys alone hold admin: none would be left
        raise Conflict("the operator organization cannot be disabled", field="org_id")
    if org.enabled != enabled:
        event = ev.OrgEnabled(org_id=org.id) if enabled else ev.OrgDisabled(org_id=org.id)
        await rt.append([Pending(f"org-{org.id}", (event,))], actor=actor, request_id=request_id)
    return _accounts(rt).org(org.id)  # type: ignore[return-value]


async def create_user(rt: Runtime, org_id: int, email: str, *, name: str = "", role: str = "member",
                      actor: str, request_id: str = "") -> User:
    live_org(rt, org_id)
    email = email.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid(f"{email!r} is not an email address", field="email", reason="is invalid")
    if role not in ("admin", "member"):
        raise Invalid("role must be admin or member", field="role", reason="is invalid")
    if _accounts(rt).user_by_email(org_id, email):
        raise Conflict(f"{email} is already a user of organization {org_id}", field="email", reason="has already been taken")
    user_uuid = str(uuid.uuid4())
    user_id, _ = await rt.create("user", lambda n: [Pending(f"user-{n}", (ev.UserCreated(
        user_id=n, org_id=org_id, email=email, uuid=user_uuid, name=name, role=role),), 0)],
        actor=actor, request_id=request_id)
    return _accounts(rt).user(user_id)  # type: ignore[return-value]


def find_user(rt: Runtime, user_id: int) -> User:
    user = _accounts(rt).user(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="user_id", reason="not found")
    return user


async def disable_user(rt: Runtime, user_id: int, *, actor: str, request_id: str = "") -> User:
    user = find_user(rt, user_id)
    if user.enabled:
        await rt.append([Pending(f"user-{user.id}", (ev.UserDisabled(user_id=user.id),))], actor=actor, request_id=request_id)
    return find_user(rt, user_id)


async def create_key(rt: Runtime, user_id: int, *, scopes: Iterable[str] | None = None, name: str = "",
                     device: str | None = None, stream: str | None = None, methods: Iterable[str] = (),
                     actor: str, request_id: str = "") -> tuple[ApiKey, str]:
    """Returns the stored key and the raw key, which is never available again."""
    raw, batch = new_key(rt, user_id, scopes=scopes, name=name, device=device, stream=stream, methods=methods)
    key_id, _ = await rt.create("key", lambda n: [batch(n)], actor=actor, request_id=request_id)
    return _accounts(rt).state.keys[key_id], raw


def new_key(rt: Runtime, user_id: int, *, scopes: Iterable[str] | None = None, name: str = "",
            device: str | None = None, stream: str | None = None,
            methods: Iterable[str] = ()) -> tuple[str, Callable[[int], Pending]]:
    """A key checked and drawn, not yet stored: the raw key, and its batch as key number N (for
    ``Runtime.create``, alone or with what must be stored with it)."""
    user = find_user(rt, user_id)
    live_org(rt, user.org_id)
    if not user.enabled:
        raise Invalid(f"user {user_id} is disabled", field="user_id", reason="is disabled")
    chosen = check_scopes(DEFAULT_SCOPES if scopes is None else scopes)
    if not chosen:
        raise Invalid("a key needs at least one scope", field="scopes", reason="is not present")
    if "admin" in chosen and user.org_id != OPERATOR_ORG:
        raise Invalid(f"only keys of the operator organization ({OPERATOR_ORG}) can hold the admin scope",
                      field="scopes", reason="is invalid")
    raw = generate_key()

    def batch(n: int) -> Pending:
        return Pending(f"key-{n}", (ev.KeyCreated(
            key_id=n, org_id=user.org_id, user_id=user.id, key_hash=hash_key(raw), hint=raw[-4:], name=name,
            scopes=chosen, device=device, stream=stream, master=device is None, methods=tuple(methods)),), 0)
    return raw, batch


def find_key(rt: Runtime, key_id: int) -> ApiKey:
    key = _accounts(rt).state.keys.get(key_id)
    if key is None:
        raise NotFound(f"key {key_id} not found", field="key_id", reason="not found")
    return key


async def disable_key(rt: Runtime, key_id: int, *, actor: str, request_id: str = "") -> ApiKey:
    key = find_key(rt, key_id)
    if key.enabled:
        await rt.append([Pending(f"key-{key.id}", (ev.KeyDisabled(key_id=key.id),))], actor=actor, request_id=request_id)
    return find_key(rt, key_id)


async def regenerate_key(rt: Runtime, key_id: int, *, actor: str, request_id: str = "") -> tuple[ApiKey, str]:
    key = find_key(rt, key_id)
    raw = generate_key()
    await rt.append([Pending(f"key-{key.id}", (ev.KeyRegenerated(key_id=key.id, key_hash=hash_key(raw), hint=raw[-4:]),))],
                    actor=actor, request_id=request_id)
    return find_key(rt, key_id), raw


async def bootstrap(rt: Runtime) -> str | None:
    """On an empty log: the first organization, its admin user and an admin key, in one atomic
    append. Returns the raw key when it was generated (to be shown once), else None."""
    if rt.projector.position > 0 or _accounts(rt).state.orgs:
        return None
    cfg = rt.config
    raw = cfg.admin_key or generate_key()
    events = [
        Pending("org-1", (ev.OrgCreated(org_id=1, name=cfg.admin_org),), 0),
        Pending("user-1", (ev.UserCreated(user_id=1, org_id=1, email=cfg.admin_email, uuid=str(uuid.uuid4()),
                                          name="Administrator", role="admin"),), 0),
        Pending("key-1", (ev.KeyCreated(key_id=1, org_id=1, user_id=1, key_hash=hash_key(raw), hint=raw[-4:],
                                        name="bootstrap admin key", scopes=("*",)),), 0),
    ]
    try:
        await rt.append(events, actor="system", request_id="bootstrap")
    except ConcurrencyError:  # another process bootstrapped first
        return None
    return None if cfg.admin_key else raw
