"""The M2X dialect (``/v2``, key in ``X-M2X-KEY``): one route table that every module
decorates, and the error shape (app/m2x/errors.py). Each module is imported here so that its
routes register; static paths first, so that ``/v2/devices/{device}`` does not shadow them."""

from app.m2x.errors import DIALECT
from app.m2x.routing import routes

from app.m2x import service  # noqa: E402,F401  (one import line per module)
from app.m2x import keys  # noqa: E402,F401
from app.m2x import devices  # noqa: E402,F401
from app.m2x import streams  # noqa: E402,F401
from app.m2x import values  # noqa: E402,F401
from app.m2x import charts  # noqa: E402,F401

__all__ = ["DIALECT", "routes"]
