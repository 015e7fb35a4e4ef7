"""The envelope every event travels in: CloudEvents 1.0 attributes plus Guichet's extensions.

The same envelope is what the store returns, what the relay publishes (CloudEvents binary
mode: attributes as ``ce_*`` Kafka headers, ``data`` as the record value) and what
consumers receive, so an auditor sees one shape everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from events.catalogue import REGISTRY, DomainEvent

SPEC_VERSION = "1.0"
JSON = "application/json"


class PiiMarker(BaseModel):
    """Which top-level fields of ``data`` hold personal data, and whose key protects them.

    Erasing a data subject destroys ``key_id``; the fields then no longer decrypt
    (crypto-shredding) while the rest of the event, and the hash chain, stay intact.
    """

    model_config = ConfigDict(frozen=True)

    subject: str
    fields: tuple[str, ...]
    key_id: str | None = None


class Metadata(BaseModel):
    """What the caller knows about why an event happened, carried along unchanged."""

    model_config = ConfigDict(frozen=True)

    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    actor: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None


class Envelope(BaseModel):
    """A stored (or about to be stored) event. ``position`` is set once it is in the store."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    source: str
    type: str
    time: datetime
    stream_id: UUID
    stream_type: str
    stream_version: int
    schema_version: int
    data: dict[str, Any]
    metadata: Metadata = Metadata()
    position: int | None = None
    recorded_at: datetime | None = None
    pii: PiiMarker | None = None
    prev_hash: str | None = None
    hash: str | None = None
    specversion: str = SPEC_VERSION
    datacontenttype: str = JSON

    @property
    def subject(self) -> str:
        return f"{self.stream_type}/{self.stream_id}"

    @property
    def dataschema(self) -> str:
        return f"urn:guichet:schema:{self.type}:v{self.schema_version}"

    @property
    def context(self) -> str:
        return REGISTRY.context_of(self.type)

    def decode(self) -> DomainEvent:
        """The payload as today's model, upcast from the stored schema version."""
        return REGISTRY.decode(self.type, self.schema_version, self.data)

    def cloudevent_attributes(self) -> dict[str, str]:
        """CloudEvents context attributes and extensions (lowercase alphanumeric names)."""
        attributes = {
            "id": str(self.id),
            "source": self.source,
            "specversion": self.specversion,
            "type": self.type,
            "time": self.time.isoformat(),
            "subject": self.subject,
            "datacontenttype": self.datacontenttype,
            "dataschema": self.dataschema,
            "streamid": str(self.stream_id),
            "streamtype": self.stream_type,
            "sequence": f"{self.stream_version:020d}",
            "schemaversion": str(self.schema_version),
        }
        optional = {
            "position": self.position,
            "correlationid": self.metadata.correlation_id,
            "causationid": self.metadata.causation_id,
            "actor": self.metadata.actor,
            "traceparent": self.metadata.traceparent,
            "tracestate": self.metadata.tracestate,
            "recordedat": self.recorded_at.isoformat() if self.recorded_at else None,
            "hash": self.hash,
            "prevhash": self.prev_hash,
            "pii": self.pii.model_dump_json() if self.pii else None,
        }
        attributes.update({k: str(v) for k, v in optional.items() if v is not None})
        return attributes

    @classmethod
    def from_cloudevent(cls, attributes: dict[str, str], data: dict[str, Any]) -> Envelope:
        """Inverse of :meth:`cloudevent_attributes`; raises ``ValueError`` on a bad message."""
        try:
            pii = attributes.get("pii")
            return cls(
                id=UUID(attributes["id"]),
                source=attributes["source"],
                type=attributes["type"],
                time=datetime.fromisoformat(attributes["time"]),
                stream_id=UUID(attributes["streamid"]),
                stream_type=attributes["streamtype"],
                stream_version=int(attributes["sequence"]),
                schema_version=int(attributes["schemaversion"]),
                data=data,
                metadata=Metadata(
                    correlation_id=_optional_uuid(attributes.get("correlationid")),
                    causation_id=_optional_uuid(attributes.get("causationid")),
                    actor=attributes.get("actor"),
                    traceparent=attributes.get("traceparent"),
                    tracestate=attributes.get("tracestate"),
                ),
                position=int(attributes["position"]) if "position" in attributes else None,
                recorded_at=(
                    datetime.fromisoformat(attributes["recordedat"])
                    if "recordedat" in attributes
                    else None
                ),
                pii=PiiMarker.model_validate_json(pii) if pii else None,
                prev_hash=attributes.get("prevhash"),
                hash=attributes.get("hash"),
                specversion=attributes.get("specversion", SPEC_VERSION),
                datacontenttype=attributes.get("datacontenttype", JSON),
            )
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"not a Guichet CloudEvent: {error!r}") from error


def _optional_uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None
