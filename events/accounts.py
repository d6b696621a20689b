"""Organizations, users and API keys. Streams: ``org-N``, ``user-N``, ``key-N``."""

from __future__ import annotations

from events.base import Event


class OrgCreated(Event, frozen=True, tag="org.created"):
    org_id: int
    name: str


class OrgDisabled(Event, frozen=True, tag="org.disabled"):
    org_id: int


class OrgEnabled(Event, frozen=True, tag="org.enabled"):
    org_id: int


class UserCreated(Event, frozen=True, tag="user.created"):
    user_id: int
    org_id: int
    email: str
    uuid: str
    name: str = ""
    role: str = "member"  # "admin" | "member"


class UserDisabled(Event, frozen=True, tag="user.disabled"):
    user_id: int


class KeyCreated(Event, frozen=True, tag="key.created"):
    """A key is never stored in clear: ``key_hash`` is its SHA-256, ``hint`` its last 4 characters."""

    key_id: int
    org_id: int
    user_id: int
    key_hash: str
    hint: str
    name: str = ""
    scopes: tuple[str, ...] = ()
    device: str | None = None  # an M2X device key is limited to this device id
    stream: str | None = None  # ... and, optionally, to this stream
    master: bool = True
    methods: tuple[str, ...] = ()  # the HTTP methods the key may use (M2X permissions); empty: any


class KeyDisabled(Event, frozen=True, tag="key.disabled"):
    key_id: int


class KeyRegenerated(Event, frozen=True, tag="key.regenerated"):
    key_id: int
    key_hash: str
    hint: str


EVENTS = (OrgCreated, OrgDisabled, OrgEnabled, UserCreated, UserDisabled, KeyCreated, KeyDisabled, KeyRegenerated)
