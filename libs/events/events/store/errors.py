"""Errors the event store raises; the HTTP layer maps them to problem+json."""

from uuid import UUID


class ConcurrencyError(Exception):
    """The stream is not at the version the caller expected: someone else wrote first."""

    def __init__(self, stream_id: UUID, expected: int, actual: int | None = None) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        found = "a later version" if actual is None else f"version {actual}"
        super().__init__(f"stream {stream_id}: expected version {expected}, found {found}")


class StreamNotFound(LookupError):
    def __init__(self, stream_id: UUID) -> None:
        self.stream_id = stream_id
        super().__init__(f"stream {stream_id} not found")
