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
from events.pii.sealing import SEALED, sealed_fields

SPEC_VERSION = "1.0"
JSON = "application/json"


class PiiMarker(BaseModel):
    """Which top-level fields of ``data`` hold personal data, and whose keys protect them.

    ``key_id``: the ids of the data keys sealing the fields (space-separated, one per data
    category; each sealed field also names its own), ``None`` where they are stored in clear.
    Erasing a data subject destroys those keys; the fields then no longer decrypt
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
    """A stored (or about to be stored) event. ``position`` is set once it is in the store.

    ``data`` is the payload as this reader may see it: personal fields in clear, or, where
    their key is destroyed, their erased value (listed in ``erased_fields``). ``sealed`` is the
    payload as stored (personal fields encrypted) when it differs from ``data``: what the hash
    chain covers and what Kafka carries (:attr:`stored_data`).
    """

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
    sealed: dict[str, Any] | None = None
    erased_fields: tuple[str, ...] = ()

    @classmethod
    def trusted(cls, fields: dict[str, Any]) -> Envelope:
        """An envelope from values the store itself wrote or computed, without validation.

        ``fields`` must hold every field with its final type. This is ``model_construct``
        minus its per-field defaults pass (5x cheaper): replay builds one per stored event.
        """
        envelope = cls.__new__(cls)
        _set(envelope, "__dict__", fields)
        _set(envelope, "__pydantic_fields_set__", _ENVELOPE_FIELDS)
        _set(envelope, "__pydantic_extra__", None)
        _set(envelope, "__pydantic_private__", None)
        return envelope

    @property
    def stored_data(self) -> dict[str, Any]:
        """The payload as stored: personal fields sealed where the store encrypts them."""
        return self.data if self.sealed is None else self.sealed

    def stored(self) -> Envelope:
        """This event as stored and published (no clear personal value)."""
        if self.sealed is None:
            return self
        return self.model_copy(update={"data": self.sealed, "sealed": None, "erased_fields": ()})

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
        """The payload as today's model, upcast from the stored schema version. A personal
        field still sealed (a reader without access to its key) decodes as erased."""
        data = self.data
        if self.pii is not None and self.sealed is None:
            data = withheld(self.type, self.pii.fields, data)
        return REGISTRY.decode(self.type, self.schema_version, data)

    def cloudevent_attributes(self) -> dict[str, str]:
        """CloudEvents context attributes and extensions (lowercase alphanumeric names)."""
        time = self.time.isoformat()
        attributes = {
            "id": str(self.id),
            "source": self.source,
            "specversion": self.specversion,
            "type": self.type,
            "time": time,
            "subject": f"{self.stream_type}/{self.stream_id}",
            "datacontenttype": self.datacontenttype,
            "dataschema": f"urn:guichet:schema:{self.type}:v{self.schema_version}",
            "streamid": str(self.stream_id),
            "streamtype": self.stream_type,
            "sequence": f"{self.stream_version:020d}",
            "schemaversion": str(self.schema_version),
        }
        if self.position is not None:
            attributes["position"] = str(self.position)
        metadata = self.metadata
        if metadata is not EMPTY_METADATA:
            for name, value in (
                ("correlationid", metadata.correlation_id),
                ("causationid", metadata.causation_id),
                ("actor", metadata.actor),
                ("traceparent", metadata.traceparent),
                ("tracestate", metadata.tracestate),
            ):
                if value is not None:
                    attributes[name] = str(value)
        if self.recorded_at is not None:
            same = self.recorded_at == self.time
            attributes["recordedat"] = time if same else self.recorded_at.isoformat()
        if self.hash is not None:
            attributes["hash"] = self.hash
        if self.prev_hash is not None:
            attributes["prevhash"] = self.prev_hash
        if self.pii is not None:
            attributes["pii"] = self.pii.model_dump_json()
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
                    datetime.fromisoformat(attributes["recordedat"]) if "recordedat" in attributes else None
                ),
                pii=PiiMarker.model_validate_json(pii) if pii else None,
                prev_hash=attributes.get("prevhash"),
                hash=attributes.get("hash"),
                specversion=attributes.get("specversion", SPEC_VERSION),
                datacontenttype=attributes.get("datacontenttype", JSON),
            )
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"not a Guichet CloudEvent: {error!r}") from error


_set = object.__setattr__
_ENVELOPE_FIELDS = set(Envelope.model_fields)
"""Shared by every trusted envelope: pydantic copies it before changing it (``model_copy``)."""
EMPTY_METADATA = Metadata()


def withheld(event_type: str, fields: tuple[str, ...], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each sealed field replaced by its erased value."""
    sealed = sealed_fields(fields, data)
    if not sealed and SEALED not in data:
        return data
    clear = {name: value for name, value in data.items() if name != SEALED}
    return clear | {field: REGISTRY.erased_value(event_type, field) for field in sealed}


def _optional_uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None
