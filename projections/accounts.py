"""Organizations, users and keys as they stand now, and the pure folds that get them there.

The ``evolve_*`` functions are the single definition of what an event does to an entity: the
projection uses them live, and ``broadsheet replay`` uses them to show an entity as it was.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import accounts as ev
from events.base import Envelope, Event


class Org(msgspec.Struct, kw_only=True):
    id: int
    name: str
    enabled: bool = True
    created_at: int = 0  # microseconds since the epoch


class User(msgspec.Struct, kw_only=True):
    id: int
    org_id: int
    email: str
    uuid: str
    name: str = ""
    role: str = "member"
    enabled: bool = True
    created_at: int = 0


class ApiKey(msgspec.Struct, kw_only=True):
    id: int
    org_id: int
    user_id: int
    key_hash: str
    hint: str
    name: str = ""
    scopes: tuple[str, ...] = ()
    device: str | None = None
    stream: str | None = None
    master: bool = True
    methods: tuple[str, ...] = ()
    enabled: bool = True
    created_at: int = 0


def evolve_org(state: Org | None, e: Event, at: int) -> Org | None:
    match e:
        case ev.OrgCreated():
            return Org(id=e.org_id, name=e.name, created_at=at)
        case ev.OrgDisabled() if state:
            return msgspec.structs.replace(state, enabled=False)
        case ev.OrgEnabled() if state:
            return msgspec.structs.replace(state, enabled=True)
    return state


def evolve_user(state: User | None, e: Event, at: int) -> User | None:
    match e:
        case ev.UserCreated():
            return User(id=e.user_id, org_id=e.org_id, email=e.email, uuid=e.uuid, name=e.name, role=e.role, created_at=at)
        case ev.UserDisabled() if state:
            return msgspec.structs.replace(state, enabled=False)
    return state


def evolve_key(state: ApiKey | None, e: Event, at: int) -> ApiKey | None:
    match e:
        case ev.KeyCreated():
            return ApiKey(id=e.key_id, org_id=e.org_id, user_id=e.user_id, key_hash=e.key_hash, hint=e.hint,
                          name=e.name, scopes=e.scopes, device=e.device, stream=e.stream, master=e.master,
                          methods=e.methods, created_at=at)
        case ev.KeyDisabled() if state:
            return msgspec.structs.replace(state, enabled=False)
        case ev.KeyRegenerated() if state:
            return msgspec.structs.replace(state, key_hash=e.key_hash, hint=e.hint)
    return state


class AccountsState(msgspec.Struct):
    orgs: dict[int, Org] = {}
    users: dict[int, User] = {}
    keys: dict[int, ApiKey] = {}


class Accounts:
    """The accounts view, with the lookups authentication needs in O(1)."""

    name = "accounts"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, AccountsState) if data else AccountsState()
        self.by_hash = {k.key_hash: k for k in self.state.keys.values()}
        self.by_email = {(u.org_id, u.email.lower()): u for u in self.state.users.values()}

    def dump(self) -> AccountsState:
        return self.state

    def handlers(self) -> dict[type[Event], Any]:
        return {
            ev.OrgCreated: self._org, ev.OrgDisabled: self._org, ev.OrgEnabled: self._org,
            ev.UserCreated: self._user, ev.UserDisabled: self._user,
            ev.KeyCreated: self._key, ev.KeyDisabled: self._key, ev.KeyRegenerated: self._key,
        }

    def _org(self, env: Envelope, e: Any) -> None:
        org = evolve_org(self.state.orgs.get(e.org_id), e, env.recorded_at)
        if org:
            self.state.orgs[org.id] = org

    def _user(self, env: Envelope, e: Any) -> None:
        user = evolve_user(self.state.users.get(e.user_id), e, env.recorded_at)
        if user:
            self.state.users[user.id] = user
            self.by_email[(user.org_id, user.email.lower())] = user

    def _key(self, env: Envelope, e: Any) -> None:
        old = self.state.keys.get(e.key_id)
        key = evolve_key(old, e, env.recorded_at)
        if key:
            if old and old.key_hash != key.key_hash:
                self.by_hash.pop(old.key_hash, None)
            self.state.keys[key.id] = key
            self.by_hash[key.key_hash] = key

    # -- queries -----------------------------------------------------------------------------

    def org(self, org_id: int) -> Org | None:
        return self.state.orgs.get(org_id)

    def is_live(self, org_id: int) -> bool:
        """The organization exists and is enabled: it may act, and what it published is public."""
        org = self.state.orgs.get(org_id)
        return org is not None and org.enabled

    def org_by_name(self, name: str) -> Org | None:
        return next((o for o in self.state.orgs.values() if o.name == name), None)

    def user(self, user_id: int) -> User | None:
        return self.state.users.get(user_id)

    def user_by_email(self, org_id: int, email: str) -> User | None:
        return self.by_email.get((org_id, email.lower()))

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self.by_hash.get(key_hash)
