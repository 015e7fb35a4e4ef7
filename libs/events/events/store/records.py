"""What the store writes and reads, shared by its dialects: new events and stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from events.envelope import EMPTY_METADATA, JSON, SPEC_VERSION, Envelope, Metadata, PiiMarker

Tail = tuple[int, str | None]
"""A stream's last ``(version, hash)``; ``(0, None)`` for a stream with no events."""


@dataclass(slots=True)
class NewEvent:
    """An event about to be inserted: the envelope's fields (``position`` filled after the
    insert; ``data`` as stored, personal fields sealed), the stored JSON forms of its metadata
    and personal-data marker, and the payload in clear when sealing changed it."""

    fields: dict[str, Any]
    metadata: dict[str, Any]
    pii: dict[str, Any] | None
    clear: dict[str, Any] | None = None

    def envelope(self) -> Envelope:
        """The appended event as its writer sees it: clear payload, stored form alongside."""
        if self.clear is None:
            return Envelope.trusted(self.fields)
        return Envelope.trusted(self.fields | {"data": self.clear, "sealed": self.fields["data"]})

    def columns(self) -> dict[str, Any]:
        """The ``events`` row to insert, by column name."""
        fields = self.fields
        return {
            "event_id": fields["id"],
            "stream_id": fields["stream_id"],
            "stream_type": fields["stream_type"],
            "version": fields["stream_version"],
            "type": fields["type"],
            "schema_version": fields["schema_version"],
            "time": fields["time"],
            "recorded_at": fields["recorded_at"],
            "data": fields["data"],
            "metadata": self.metadata,
            "pii": self.pii,
            "prev_hash": fields["prev_hash"],
            "hash": fields["hash"],
        }


def stored_envelope(
    source: str,
    position: int,
    event_id: UUID,
    stream_id: UUID,
    stream_type: str,
    version: int,
    type_: str,
    schema_version: int,
    time: datetime,
    recorded_at: datetime,
    data: str | bytes,
    metadata: str | bytes,
    pii: str | bytes | None,
    prev_hash: str | None,
    hash_: str,
) -> Envelope:
    """An envelope from a stored row whose JSON columns are still text (decoded here once)."""
    return Envelope.trusted(
        {
            "id": event_id,
            "source": source,
            "type": type_,
            "time": time,
            "stream_id": stream_id,
            "stream_type": stream_type,
            "stream_version": version,
            "schema_version": schema_version,
            "data": orjson.loads(data),
            "metadata": EMPTY_METADATA if metadata == "{}" else Metadata.model_validate_json(metadata),
            "position": position,
            "recorded_at": recorded_at,
            "pii": PiiMarker.model_validate_json(pii) if pii and pii != "null" else None,
            "prev_hash": prev_hash,
            "hash": hash_,
            "specversion": SPEC_VERSION,
            "datacontenttype": JSON,
            "sealed": None,
            "erased_fields": (),
        }
    )
