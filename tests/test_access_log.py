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


async def test_headers_and_paths_that_are_not_utf8_are_logged_escaped(config, caplog):
    """A User-Agent or path that is not UTF-8 arrives with lone surrogates, which JSON cannot
    hold: the line writes them as escapes instead of failing (and dropping the connection)."""
    import asyncio

    server = TestServer(create_app(config))
    await server.start_server(access_log_class=JsonAccessLogger, access_log=logging.getLogger("broadsheet.access"))
    try:
        with caplog.at_level(logging.INFO, logger="broadsheet.access"):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nUser-Agent: bot\xff\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
            for _ in range(200):  # the access line is written after the answer
                if any(rec.name == "broadsheet.access" for rec in caplog.records):
                    break
                await asyncio.sleep(0.01)
    finally:
        await server.close()
    assert answer.startswith(b"HTTP/1.1 200")
    [line] = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "broadsheet.access"]
    assert line["agent"].startswith("bot") and line["status"] == 200
