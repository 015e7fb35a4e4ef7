"""Test support for Guichet: real PostgreSQL and Kafka servers for integration tests, and
small assertions tests share."""

from events.catalogue.audit import CheckpointSigned, CheckpointWitnessed
from events.envelope import Envelope

__all__ = ["checkpoint_size", "position_of"]


def position_of(envelope: Envelope) -> int:
    """The store position of an envelope read back from the store (one without is a failure)."""
    assert envelope.position is not None, f"envelope {envelope.id} has no store position"
    return envelope.position


def checkpoint_size(envelope: Envelope) -> int:
    """The tree size of a stored ``audit.CheckpointSigned`` or ``CheckpointWitnessed`` (another
    event is a failure)."""
    event = envelope.decode()
    assert isinstance(event, CheckpointSigned | CheckpointWitnessed), f"{envelope.type} names no checkpoint"
    return event.size
