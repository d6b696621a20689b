"""The one domain error hierarchy. Each dialect maps these, in one place, to its own status
codes and error bodies; nothing else in a handler decides what an error looks like."""

from __future__ import annotations


class DomainError(Exception):
    """Something the client asked for cannot be done. Never a server fault."""

    kind = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.reason = reason or kind_reason(self.kind)
        # field -> reasons, for the dialects that report several at once (Librato, M2X)
        self.errors = errors if errors is not None else ({field: [self.reason]} if field else {})


def kind_reason(kind: str) -> str:
    return kind.replace("_", " ")


class Malformed(DomainError):
    """The body or a parameter could not be parsed at all."""
    kind = "malformed"


class Invalid(DomainError):
    """Parsed, but a field's value is not acceptable."""
    kind = "invalid"


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    """The entity already exists, or changed since the client read it."""
    kind = "conflict"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class Forbidden(DomainError):
    kind = "forbidden"


class AccountInactive(Forbidden):
    kind = "account_inactive"


class TooLarge(DomainError):
    kind = "too_large"


class UnsupportedMediaType(DomainError):
    kind = "unsupported_media_type"


class MethodNotAllowed(DomainError):
    kind = "method_not_allowed"
