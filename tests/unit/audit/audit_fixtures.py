"""Stored events built in memory (ids, positions, chain hashes as the store writes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from events.envelope import Envelope
from events.integrity import chain_hash

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def stored_events(count: int, streams: int = 3) -> list[Envelope]:
    """``count`` events round-robin over ``streams`` streams, positions 1.., chained per stream."""
    tails: dict[int, tuple[int, str | None]] = {}
    out = []
    for n in range(count):
        stream = n % streams
        version, prev = tails.get(stream, (0, None))
        at = T0 + timedelta(seconds=n)
        draft = Envelope(
            id=UUID(int=0x10_000 + n),
            source="/guichet/intake",
            type="intake.RequestReceived",
            time=at,
            stream_id=UUID(int=0xA_000 + stream),
            stream_type="request",
            stream_version=version + 1,
            schema_version=1,
            data={"subject": f"original {n}", "n": n},
            position=n + 1,
            recorded_at=at,
            prev_hash=prev,
        )
        envelope = draft.model_copy(update={"hash": chain_hash(prev, draft)})
        tails[stream] = (version + 1, envelope.hash)
        out.append(envelope)
    return out
