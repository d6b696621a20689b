"""The server: ``create_app(config)`` is the only door for configuration."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from importlib import metadata

from aiohttp import web

from app import accounts, admin, librato, m2x, sharing
from app.accesslog import JsonAccessLogger, JsonLogFormatter
from app.config import Config
from app.http import CONFIG, RUNTIME, errors, json_response, register_dialect, request_ids
from app.openapi import document
from app.runtime import Runtime
from app.writes import WRITES, OrgWrites, org_writes

log = logging.getLogger("broadsheet.server")

# Each dialect module has ``routes`` (a RouteTableDef) and, when it has its own error shape,
# ``DIALECT``. Adding an API is adding its module here.
DIALECTS = [admin, librato, m2x, sharing]


def version() -> str:
    try:
        return metadata.version("broadsheet")
    except metadata.PackageNotFoundError:
        return "0.0.0+local"


routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness, how far the projections have folded the log, and the hash chain as the check at
    start found it (`chain`: checking, ok or broken, with `chain_break`, the first position)."""
    rt = request.app[RUNTIME]
    body = {"status": "ok", "position": rt.projector.position, "version": version(), "chain": rt.chain}
    if rt.chain_break is not None:
        body["chain_break"] = rt.chain_break
    return json_response(body)


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """This server's OpenAPI 3.1 document."""
    return json_response(document(request.app, version=version(), server_url=request.app[CONFIG].base_url))


async def _runtime(app: web.Application) -> AsyncIterator[None]:
    rt = await Runtime.open(app[CONFIG])
    raw = await accounts.bootstrap(rt)
    if raw:
        announce_admin_key(rt.config, raw)
    rt.start_tailing()
    rt.start_verifying()
    app[RUNTIME] = rt
    yield
    await rt.close()


def announce_admin_key(config: Config, raw: str) -> None:
    """The generated admin key is shown this once, on stderr, and never again."""
    sys.stderr.write(
        "\n  Broadsheet created the first organization and its admin.\n"
        f"  admin user: {config.admin_email}\n"
        f"  admin key:  {raw}\n"
        "  Keep the key: it is stored only as a hash and will not be shown again.\n\n")
    sys.stderr.flush()


def create_app(config: Config) -> web.Application:
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[request_ids, errors, org_writes])
    app[CONFIG] = config
    app[WRITES] = OrgWrites()
    app.cleanup_ctx.extend([_runtime, *(ctx for m in DIALECTS for ctx in getattr(m, "CONTEXTS", ()))])
    app.add_routes(routes)
    for module in DIALECTS:
        app.add_routes(module.routes)
        if hasattr(module, "DIALECT"):
            register_dialect(module.DIALECT)
    return app


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def serve(config: Config) -> None:
    setup_logging(config.log_level)
    log.info("serving on http://%s:%d, data in %s", config.host, config.port, config.data_dir)
    web.run_app(
        create_app(config), host=config.host, port=config.port, print=None,
        access_log=logging.getLogger("broadsheet.access") if config.access_log else None,
        access_log_class=JsonAccessLogger,
        shutdown_timeout=30.0,  # in-flight requests (and their writes) get this long to finish
    )
