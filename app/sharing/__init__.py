"""Public sharing: chart tokens, snapshots and their jobs (the Librato API under ``/v1``), and
the public pages and images under ``/share`` that need no key.

``CONTEXTS`` are lifetimes the server runs after the runtime is open (the job runner)."""

from app.sharing.routing import routes
from app.sharing.dialect import DIALECT
from app.sharing.runner import job_runner

from app.sharing import librato_tokens  # noqa: E402,F401  (modules that add routes)
from app.sharing import librato_snapshots  # noqa: E402,F401
from app.sharing import pages  # noqa: E402,F401

CONTEXTS = [job_runner]

__all__ = ["CONTEXTS", "DIALECT", "routes"]
