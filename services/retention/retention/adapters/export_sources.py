"""The :class:`~retention.app.export.ExportSources` over the platform's key ring (``events.pii``)
and retention's own store and read models.

Sealed fields are opened by the same port every reader uses
(:meth:`events.pii.protector.EncryptedPayloads.reveal`): only while the key exists, erased
otherwise. Only the fields sealed under the subject's keys are opened: the customer's own, and
those of their streams (an interaction's summary is sealed under its request, a relance's
content under the relance, when the event names no customer). Fields sealed under another
data subject's keys (an approval's stream, whose fields name members of staff) are reported
as withheld, unopened.
With PostgreSQL, retention opens other services' fields only when it shares their key
database (``GUICHET_KEYS_DATABASE_URL``, docs/adr/0007).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.catalogue import REGISTRY
from events.envelope import EMPTY_METADATA, JSON, SPEC_VERSION, Envelope, PiiMarker
from events.persistence import reading
from events.pii.keyring import Keyring
from events.pii.protector import EncryptedPayloads
from events.pii.sealing import sealed_fields
from events.store import SqlEventStore
from retention.adapters.tables import (
    retention_access_log,
    retention_purges,
    retention_subject_requests,
    utc,
)
from retention.adapters.views import RetentionViews
from retention.app.export import DestroyedKey, ErasedField, OpenedEvent


class KeyringExportSources:
    def __init__(self, engine: AsyncEngine, keyring: Keyring, store: SqlEventStore) -> None:
        self.engine = engine
        self.keyring = keyring
        self.payloads = EncryptedPayloads(keyring)
        self.store = store

    async def open(self, subject: str, events: Sequence[Mapping[str, Any]]) -> dict[UUID, OpenedEvent]:
        own: list[Envelope] = []
        found: dict[UUID, OpenedEvent] = {}
        owned = await self._owned_subjects(subject)
        markers: dict[tuple[Any, ...], PiiMarker] = {}
        for row in events:
            if row.get("stored") is None or row.get("pii") is None:
                continue
            envelope = _sealed_envelope(row, _marker(row["pii"], markers))
            assert envelope.pii is not None
            if envelope.pii.subject in owned:
                own.append(envelope)
            else:
                withheld = sealed_fields(envelope.pii.fields, envelope.data)
                found[envelope.id] = OpenedEvent(withheld=tuple(withheld))
        if not own:
            return found
        categories = {
            record.key_id: record.category
            for each in sorted(owned)
            for record in await self.keyring.keys_of(each)
        }
        for envelope in await self.payloads.reveal(own):
            found[envelope.id] = _opened(envelope, categories)
        return found

    async def _owned_subjects(self, subject: str) -> set[str]:
        """``subject`` and its streams (its intake requests and their relances: key subjects of
        its events that name no customer, :meth:`RetentionViews.streams_of`)."""
        streams = (await RetentionViews(self.engine).streams_of([subject])).get(subject, ())
        return {subject, *streams}

    async def destroyed_keys(self, subject: str) -> list[DestroyedKey]:
        return [
            DestroyedKey(record.key_id, record.category, utc(record.destroyed_at))  # type: ignore[arg-type]
            for owned in sorted(await self._owned_subjects(subject))
            for record in await self.keyring.keys_of(owned)
            if record.destroyed_at is not None
        ]

    async def purges_of_keys(self, key_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        wanted = set(key_ids)
        purges = retention_purges.c
        async with reading(self.engine) as connection:
            rows = await connection.execute(
                select(
                    purges.purge_id,
                    purges.category,
                    purges.policy_version,
                    purges.executed_at,
                    purges.key_ids,
                ).where(purges.subjects > 0)
            )
            found: dict[str, dict[str, Any]] = {}
            for row in rows:
                for key_id in wanted.intersection(row.key_ids or ()):
                    found[key_id] = {
                        "purge_id": row.purge_id,
                        "category": row.category,
                        "policy_version": row.policy_version,
                        "executed_at": utc(row.executed_at),
                    }
            return found

    async def requests_of(self, subject: str) -> list[dict[str, Any]]:
        try:
            customer_id = UUID(subject)
        except ValueError:
            return []
        requests = retention_subject_requests.c
        async with reading(self.engine) as connection:
            rows = (
                await connection.execute(
                    select(
                        requests.request_id,
                        requests.kind,
                        requests.status,
                        requests.received_at,
                        requests.due_at,
                        requests.verification,
                        requests.actions,
                    )
                    .where(requests.customer_id == customer_id)
                    .order_by(requests.received_at)
                )
            ).all()
        found = []
        for row in rows:
            identity: Any = None
            for envelope in await self.store.read_stream(row.request_id):
                if envelope.type == "retention.DataSubjectRequestReceived":
                    identity = envelope.decode().model_dump(mode="json").get("identity")
            found.append(
                {
                    "request_id": str(row.request_id),
                    "kind": row.kind,
                    "status": row.status,
                    "received_at": utc(row.received_at).isoformat(),  # type: ignore[union-attr]
                    "due_at": utc(row.due_at).isoformat(),  # type: ignore[union-attr]
                    "identity": identity,
                    "identity_verification": row.verification,
                    "actions": list(row.actions or ()),
                }
            )
        return found

    async def accesses_of(self, subject: str) -> list[dict[str, Any]]:
        try:
            customer_id = UUID(subject)
        except ValueError:
            return []
        log = retention_access_log.c
        async with reading(self.engine) as connection:
            rows = await connection.execute(
                select(log.reader, log.roles, log.kind, log.resource, log.context, log.accessed_at)
                .where(log.customer_id == customer_id)
                .order_by(log.accessed_at, log.event_id)
            )
            return [
                {
                    "reader": row.reader,
                    "roles": list(row.roles or ()),
                    "kind": row.kind,
                    "resource": row.resource,
                    "context": row.context,
                    "at": utc(row.accessed_at).isoformat(),  # type: ignore[union-attr]
                }
                for row in rows
            ]


def _marker(stored: Mapping[str, Any], markers: dict[tuple[Any, ...], PiiMarker]) -> PiiMarker:
    """The marker of a stored row, one instance per distinct marker (most events share one)."""
    key = (stored.get("subject"), tuple(stored.get("fields") or ()), stored.get("key_id"))
    marker = markers.get(key)
    if marker is None:
        marker = markers[key] = PiiMarker.model_validate(stored)
    return marker


def _sealed_envelope(row: Mapping[str, Any], marker: PiiMarker) -> Envelope:
    """The consumed event as its producer stored it: what the key ring's reveal opens."""
    return Envelope.trusted(
        {
            "id": row["event_id"],
            "source": "",
            "type": row["event_type"],
            "time": row["occurred_at"],
            "stream_id": row["stream_id"],
            "stream_type": "",
            "stream_version": 0,
            "schema_version": row.get("schema_version") or 1,
            "data": row["stored"],
            "metadata": EMPTY_METADATA,
            "position": None,
            "recorded_at": None,
            "pii": marker,
            "prev_hash": None,
            "hash": None,
            "specversion": SPEC_VERSION,
            "datacontenttype": JSON,
            "sealed": None,
            "erased_fields": (),
        }
    )


def _opened(envelope: Envelope, categories: Mapping[str, str]) -> OpenedEvent:
    """The personal fields of an opened envelope (upcast to today's model when stored under an
    older schema version), and those erased with the category and the key id that sealed them."""
    assert envelope.pii is not None
    model = REGISTRY.model(envelope.type) if REGISTRY.knows(envelope.type) else None
    if model is not None and model.schema_version == envelope.schema_version:
        values, names = envelope.data, envelope.pii.fields
    else:
        event = envelope.decode()
        values, names = event.model_dump(mode="json"), tuple(event.pii_fields)
    erased_names = set(envelope.erased_fields)
    key_of_category = {categories.get(key_id, ""): key_id for key_id in (envelope.pii.key_id or "").split()}
    field_categories = model.pii_categories if model is not None else {}
    erased = []
    for name in envelope.erased_fields:
        category = field_categories.get(name, "contractual")
        erased.append(ErasedField(name, category, key_of_category.get(category)))
    personal = {name: values.get(name) for name in names if name not in erased_names}
    return OpenedEvent(personal=personal, erased=tuple(erased))
