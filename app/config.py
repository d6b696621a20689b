"""Configuration: one frozen value, loaded once from the environment and the command line.

Every setting has an environment variable ``BROADSHEET_<NAME>``; ``broadsheet serve`` flags win
over the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec


class Config(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = "./broadsheet-data"
    # The address the public sees, used in links (M2X `url`, Librato `href`); default from host:port.
    public_url: str = ""
    admin_email: str = "admin@localhost"
    admin_org: str = "Main Org."
    admin_key: str = ""  # empty: generate one on first start and print it once
    max_body_bytes: int = 10 * 1024 * 1024
    tail_interval: float = 0.2  # seconds between looks for events other processes appended
    checkpoint_every: int = 100_000  # events between projection checkpoints
    access_log: bool = True
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.admin_key and len(self.admin_key) < 16:
            raise ValueError("BROADSHEET_ADMIN_KEY must be at least 16 characters")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is out of range")

    @property
    def db_path(self) -> Path:
        return Path(self.data_dir) / "events.db"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"


_FIELDS = {f.name: f for f in msgspec.structs.fields(Config)}


def load(env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Defaults, then ``BROADSHEET_*`` variables, then explicit overrides (None is ignored)."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    for name in _FIELDS:
        value = env.get(f"BROADSHEET_{name.upper()}")
        if value is not None:
            raw[name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(raw, Config, strict=False)
    except (msgspec.ValidationError, ValueError) as exc:
        raise ValueError(f"bad configuration: {_plain(str(exc))}") from exc


_EXPECTED = re.compile(r"Expected `(\w+)`, got `\w+` - at `\$\.(\w+)`")
_KINDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text"}


def _plain(message: str) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.port`" in a reader's words, naming the
    variable to fix: "BROADSHEET_PORT (or --port) must be an integer"."""
    m = _EXPECTED.search(message)
    if m is None:
        return message
    kind, name = m.groups()
    flag = f" (or --{name.replace('_', '-')})" if name in ("host", "port", "data_dir") else ""
    return f"BROADSHEET_{name.upper()}{flag} must be {_KINDS.get(kind, kind)}"
