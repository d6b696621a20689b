"""No request a client can send gets a 5xx, and a refused request changes nothing.

Every route the server has (from its router, so new routes are covered without editing this
file) gets garbage: odd path parameters, broken and hostile bodies, nonsense query strings, with
a valid key of the right dialect. Each answer must be below 500, and each 4xx must leave the
log where it was.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from app.openapi import operations
from tests.conftest import make_org_key

PATH_VALUES = ["1", "0", "-1", "abc", "99999999999999999999999", "a" * 300, "%00", "..", "x.png", "00000000000000000000000000000000"]
BODIES: list[tuple[bytes | None, str | None]] = [
    (None, None),
    (b"{", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'{"name": {"$gt": ""}, "id": 1e400, "values": [NaN], "series": "x", "subject": {"chart": 5}}', "application/json"),
    (b'{"a": ' * 200 + b"1" + b"}" * 200, "application/json"),
    # integers too large for a float: float(int) raises OverflowError, not ValueError
    (b'{"value": %(n)s, "values": [{"timestamp": "2024-01-01T00:00:00Z", "value": %(n)s}], "timestamp": %(n)s, '
     b'"measure_time": %(n)s, "time": %(n)s, "gauges": [{"name": "g", "value": %(n)s}], "counters": {"c": {"value": %(n)s}}, '
     b'"measurements": [{"name": "m", "value": %(n)s}], "period": %(n)s, "limit": %(n)s, "interval": %(n)s, '
     b'"start": %(n)s, "end": %(n)s, "from": %(n)s}' % {b"n": b"9" * 400}, "application/json"),
    (b"\xff\xfe\x00garbage", "application/octet-stream"),
    (b"a[[[=1&b[]=2&b[x]=3&entity_id=abc&duration=-5&gauges[0][value]=zz", "application/x-www-form-urlencoded"),
    (b"<xml/>", "text/xml"),
]
QUERIES = [
    "",
    "?limit=-1&offset=abc&length=100000&page=0&start=zzz&end=&width=999999&height=-5&type=bogus&interval=0"
    "&duration=1e309&end_time=yesterday&resolution=-1&sort=sideways&orderby=x&layoutSize=huge&as_of=never",
    "?start=2030-01-01T00:00:00Z&end=2020-01-01T00:00:00Z&min=a&max=b&tags[x]=%00&sources[]=*&count=1e99",
    "?type=nth&interval={n}&limit={n}&offset={n}&length={n}&page={n}&count={n}&start_time={n}&end_time={n}"
    "&duration={n}&resolution={n}&width={n}&height={n}&min={n}&max={n}&as_of={n}".format(n="9" * 400),
]
PARAM = re.compile(r"\{([^}]+)\}")


def _auth(path: str, made: dict[str, Any]) -> dict[str, str]:
    if path.startswith("/v1"):
        return {"Authorization": "Basic " + base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()}
    if path.startswith("/v2"):
        return {"X-M2X-KEY": made["key"]}
    return {"Authorization": f"Bearer {made['key']}"}


async def _head(client: Any) -> int:
    return int((await (await client.get("/healthz")).json())["position"])


@pytest.mark.parametrize("query", QUERIES)
async def test_garbage_never_gets_a_5xx_nor_changes_state(client, query):
    made = await make_org_key(client, "fuzz", scopes=["*"])
    failures = []
    for method, template, _ in operations(client.app):
        for value in PATH_VALUES[:4] if "{" in template else [None]:
            path = PARAM.sub(value, template) if value is not None else template
            for body, ctype in BODIES if method in ("post", "put", "patch", "delete") else BODIES[:1]:
                before = await _head(client)
                headers = {**_auth(template, made), **({"Content-Type": ctype} if ctype else {})}
                r = await client.request(method.upper(), path + query, data=body, headers=headers)
                await r.read()
                if r.status >= 500:
                    failures.append(f"{method.upper()} {path}{query[:20]} body={body!r:.40} -> {r.status}")
                elif r.status >= 400 and await _head(client) != before:
                    failures.append(f"{method.upper()} {path} body={body!r:.40} -> {r.status} but the log moved")
    assert failures == []


async def test_odd_paths_and_methods(client):
    for path in ["/v1/" + "a" * 5000, "/v2/devices/%ZZ", "/admin/../../etc/passwd", "/share/instruments/x.svg.png",
                 "/v2/charts/" + "f" * 32 + ".gif", "/v1/metrics/%00", "/\x7f"]:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            r = await client.request(method, path)
            assert r.status < 500, (method, path, r.status)
