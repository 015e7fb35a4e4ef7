"""What a leaf of the audit tree is: one stored event, in the store's gap-safe global order.

Leaf bytes (format ``guichet-event-leaf/1``) are the canonical JSON (keys sorted, no
spaces, UTF-8; orjson) of::

    {"format": "guichet-event-leaf/1", "position": <int>, "recorded_at": <ISO 8601, UTC>,
     "id": <event id>, "source": <CloudEvents source>, "stream_id": <uuid>,
     "stream_version": <int>, "type": <event type>, "prev_hash": <hex or null>,
     "hash": <hex chain hash>}

The chain hash (``events.integrity``) already covers the payload, metadata, personal-data
marker, schema version, stream type and ``time``; the leaf adds what the chain leaves out:
``position``, ``recorded_at`` and ``source``. Leaf ``i`` of the tree is the ``i``-th event
of ``read_all`` (positions may have gaps on PostgreSQL: the index, not the position, is
the leaf's place).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from events.audit.merkle import leaf_hash
from events.envelope import Envelope

LEAF_FORMAT = "guichet-event-leaf/1"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def leaf_bytes(record: dict[str, Any]) -> bytes:
    """The leaf bytes of an event record (the bundle's form of an event, see :func:`event_record`)."""
    return orjson.dumps(
        {
            "format": LEAF_FORMAT,
            "position": record["position"],
            "recorded_at": record["recorded_at"],
            "id": record["id"],
            "source": record["source"],
            "stream_id": record["stream_id"],
            "stream_version": record["stream_version"],
            "type": record["type"],
            "prev_hash": record["prev_hash"],
            "hash": record["hash"],
        },
        option=orjson.OPT_SORT_KEYS,
    )


def record_leaf_hash(record: dict[str, Any]) -> bytes:
    return leaf_hash(leaf_bytes(record))


def event_record(envelope: Envelope) -> dict[str, Any]:
    """A stored event as plain JSON values, exactly in the form its hashes are computed from
    (``time`` as the chain hashes it, metadata with its empty fields)."""
    if envelope.position is None or envelope.recorded_at is None or envelope.hash is None:
        raise ValueError(f"event {envelope.id} is not a stored event")
    return {
        "id": str(envelope.id),
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.isoformat(),
        "stream_id": str(envelope.stream_id),
        "stream_type": envelope.stream_type,
        "stream_version": envelope.stream_version,
        "schema_version": envelope.schema_version,
        "data": envelope.stored_data,
        "metadata": envelope.metadata.model_dump(mode="json"),
        "pii": envelope.pii.model_dump(mode="json") if envelope.pii else None,
        "position": envelope.position,
        "recorded_at": utc_text(envelope.recorded_at),
        "prev_hash": envelope.prev_hash,
        "hash": envelope.hash,
    }


def event_leaf_hash(envelope: Envelope) -> bytes:
    """The leaf hash of a stored event (without serialising its payload)."""
    if envelope.position is None or envelope.recorded_at is None or envelope.hash is None:
        raise ValueError(f"event {envelope.id} is not a stored event")
    return record_leaf_hash(
        {
            "position": envelope.position,
            "recorded_at": utc_text(envelope.recorded_at),
            "id": str(envelope.id),
            "source": envelope.source,
            "stream_id": str(envelope.stream_id),
            "stream_version": envelope.stream_version,
            "type": envelope.type,
            "prev_hash": envelope.prev_hash,
            "hash": envelope.hash,
        }
    )
