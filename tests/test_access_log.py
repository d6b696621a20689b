"""One JSON line per request, without query strings (they may carry share tokens)."""

from __future__ import annotations

import json
import logging

from app.accesslog import JsonAccessLogger, JsonLogFormatter
from aiohttp.test_utils import TestClient, TestServer

from app.server import create_app


async def test_access_log_lines_are_json(config, caplog):
    server = TestServer(create_app(config))
    await server.start_server(access_log_class=JsonAccessLogger, access_log=logging.getLogger("broadsheet.access"))
    with caplog.at_level(logging.INFO, logger="broadsheet.access"):
        async with TestClient(server) as client:
            r = await client.get("/healthz?secret=abc", headers={"X-Request-Id": "req-1"})
            assert r.status == 200
            await client.get("/nope")
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "broadsheet.access"]
    assert [(line["path"], line["status"]) for line in lines] == [("/healthz", 200), ("/nope", 404)]
    assert lines[0]["request_id"] == "req-1" and lines[0]["method"] == "GET" and lines[0]["ms"] >= 0
    assert "secret" not in json.dumps(lines)


def test_other_log_records_become_json_too():
    record = logging.LogRecord("broadsheet.store", logging.ERROR, __file__, 1, "write failed: %s", ("disk",), None)
    out = json.loads(JsonLogFormatter().format(record))
    assert out["level"] == "ERROR" and out["msg"] == "write failed: disk" and out["logger"] == "broadsheet.store"
