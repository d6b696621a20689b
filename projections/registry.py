"""The list of every projection the server keeps. New views are added here."""

from __future__ import annotations

from projections.accounts import Accounts
from projections.runner import Projection


def build() -> list[Projection]:
    return [Accounts()]
