"""The store's own errors. Nothing above the store sees a database exception."""


class StoreError(Exception):
    """The log could not be read or written."""


class ConcurrencyError(StoreError):
    """A stream was not at the version the writer expected."""

    def __init__(self, stream: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream!r} is at version {actual}, expected {expected}")
        self.stream = stream
        self.expected = expected
        self.actual = actual


class StaleView(ConcurrencyError):
    """Another process appended events that the views this append was checked against had not
    been given (see ``append(seen=…)``). The views have them now: check again and retry."""

    def __init__(self, seen: int, foreign: int) -> None:
        StoreError.__init__(self, f"another process appended up to position {foreign}; this append was "
                                  f"checked against the views at {seen}")
        self.stream, self.expected, self.actual = "", None, -1
        self.seen, self.foreign = seen, foreign


class StoreClosed(StoreError):
    """The store is shutting down and takes no more writes."""


class Unstorable(ValueError):
    """An event holds what the log cannot keep: text that is not valid Unicode (a lone
    surrogate, as a JSON escape can make) or an integer beyond 64 bits. Raised by ``append``
    to its caller alone, before the events join a group, so nobody else's write fails."""
