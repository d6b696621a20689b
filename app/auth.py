"""Who is asking. One key, presented the way each dialect expects:

- ``Authorization: Bearer KEY``: Grafana, PostHog, the admin API (Grafana's Basic too);
- ``X-M2X-KEY: KEY``: M2X;
- HTTP Basic ``EMAIL:KEY``: Librato.

A missing, unknown or disabled key (or a disabled user) is ``Unauthenticated`` (401); a key of a
disabled organization is ``AccountInactive``; a key without the scope is ``Forbidden`` (403).
"""

from __future__ import annotations

import base64

import msgspec
from aiohttp import web

from app.accounts import has_scope, hash_key
from app.errors import AccountInactive, Forbidden, Unauthenticated
from app.http import RUNTIME
from projections.accounts import Accounts, ApiKey


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    key_id: int
    org_id: int
    user_id: int
    key: ApiKey

    @property
    def actor(self) -> str:
        return f"key-{self.key_id}"


def known_key(accounts: Accounts, raw: str | None) -> ApiKey | None:
    """The key a header presents, read as every dialect reads it (stripped), if there is one."""
    return accounts.key_by_hash(hash_key(raw.strip())) if raw and raw.strip() else None


def _resolve(accounts: Accounts, raw: str | None, email: str | None = None) -> Principal:
    if not raw:
        raise Unauthenticated("no API key was given")
    key = known_key(accounts, raw)
    if key is None or not key.enabled:
        raise Unauthenticated("the API key is unknown or disabled")
    user = accounts.user(key.user_id)
    if user is None or not user.enabled:
        raise Unauthenticated("the API key's user is disabled")
    if email is not None and email.strip().lower() != user.email.lower():
        raise Unauthenticated("the API key does not belong to that user")
    if not accounts.is_live(key.org_id):
        raise AccountInactive("the organization is not active")
    return Principal(key_id=key.id, org_id=key.org_id, user_id=key.user_id, key=key)


def require(principal: Principal, scope: str) -> Principal:
    if not has_scope(principal.key, scope):
        raise Forbidden(f"this key lacks the {scope!r} scope", reason="forbidden")
    return principal


def _accounts(request: web.Request) -> Accounts:
    return request.app[RUNTIME]["accounts"]  # type: ignore[no-any-return]


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except ValueError:  # binascii.Error, UnicodeDecodeError and a header that is not ASCII at all
        raise Unauthenticated("malformed Basic credentials") from None
    return (user, password) if sep else None


def bearer_token(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def bearer(request: web.Request, scope: str) -> Principal:
    """Bearer KEY (or Basic with the key as password, as Grafana allows)."""
    raw = bearer_token(request)
    if raw is None and (creds := basic_credentials(request)):
        raw = creds[1]
    return require(_resolve(_accounts(request), raw), scope)


def m2x(request: web.Request, scope: str) -> Principal:
    return require(_resolve(_accounts(request), request.headers.get("X-M2X-KEY")), scope)


def librato(request: web.Request, scope: str) -> Principal:
    creds = basic_credentials(request)
    if creds is None:
        raise Unauthenticated("Please provide credentials for authentication.")
    return require(_resolve(_accounts(request), creds[1], email=creds[0]), scope)
