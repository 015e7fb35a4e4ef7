"""Test support for Guichet: real PostgreSQL and Kafka servers for integration tests, and
small assertions tests share."""

from events.envelope import Envelope

__all__ = ["position_of"]


def position_of(envelope: Envelope) -> int:
    """The store position of an envelope read back from the store (one without is a failure)."""
    assert envelope.position is not None, f"envelope {envelope.id} has no store position"
    return envelope.position
