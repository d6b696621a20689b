"""The Librato dialect (``/v1``, HTTP Basic ``email:key``): one route table that every module
decorates, and the error shape. Each module is imported here so that its routes register."""

from app.librato.dialect import DIALECT
from app.librato.routing import routes

from app.librato import metrics  # noqa: E402,F401  (one import line per module)
from app.librato import measurements  # noqa: E402,F401
from app.librato import instruments  # noqa: E402,F401
from app.librato import spaces  # noqa: E402,F401
from app.librato import dashboards  # noqa: E402,F401

__all__ = ["DIALECT", "routes"]
