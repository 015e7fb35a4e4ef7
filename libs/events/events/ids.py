"""Time-sortable identifiers (UUIDv7, RFC 9562) for events and streams."""

from uuid import UUID

from uuid6 import uuid7


def new_id() -> UUID:
    """A UUIDv7: its first 48 bits are the Unix time in ms, so ids sort by creation time."""
    return UUID(bytes=uuid7().bytes)
