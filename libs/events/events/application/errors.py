"""Application errors: what a use case can refuse before any domain rule is consulted.

Every service raises these; ``events.service.http.problem_route`` turns them into the same
problem+json answers everywhere, so a 404, a 412 or a 422 means one thing across the system.
"""

from uuid import UUID

__all__ = ["Conflict", "IdempotencyKeyReused", "NotFound", "StaleVersion", "UnknownReference"]


class NotFound(Exception):
    """No entity of this ``kind`` with this id."""

    def __init__(self, kind: str, entity_id: UUID | str) -> None:
        super().__init__(f"no {kind} {entity_id}")
        self.kind = kind
        self.entity_id = entity_id


class UnknownReference(Exception):
    """A command names, in ``field``, an entity that does not exist (or cannot be used)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class StaleVersion(Exception):
    """The client's If-Match names a version that is no longer the current one: seen when the
    command read the stream, or when it wrote to it and lost the race with a concurrent write
    (``current`` is then None unless the store said which version it found)."""

    def __init__(self, current: int | None, expected: int) -> None:
        found = "a later version" if current is None else f"version {current}"
        super().__init__(f"at {found}, not {expected}")
        self.current = current
        self.expected = expected


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used by this actor for a different request body."""


class Conflict(Exception):
    """A concurrent transaction wrote the same unique row first (adapters raise it); the
    message bus runs the command once more, and it then sees what the other one wrote."""
