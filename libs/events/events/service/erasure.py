"""Erasure reaching a service: retention's ``SubjectErased`` and ``RetentionPurgeExecuted`` ->
the service's read models and parked events blanked, and its report recorded.

Destroying a subject's keys makes their sealed fields unreadable everywhere they travel; what
a service keeps in clear (read models, an event parked while stored in clear) it blanks
itself. :func:`erasure_handlers` gives a service's consumer the two handlers that do it, in
the consumer's transaction (so exactly once per cause, with the inbox row):

* the service's ``on_subject_erased`` hooks (its :class:`~events.persistence.Projectors`)
  blank the read models, in the erased categories only (what the law keeps stays);
* :func:`blank_parked_events` blanks the clear personal values of the subject's parked events;
* the events the service holds sealed under the destroyed keys are counted (their snapshots
  dropped), and a report of its own context (``<context>.SubjectDataErased``, a
  :class:`~events.catalogue.retention.ServiceDataErased`) is recorded on a stream of its own
  per (cause, subject), which retention consumes to complete its proof.

Dead letters (``<topic>.dlq``) are copies of the records as published: their sealed fields go
unreadable with the keys; what was published in clear stays on the topic until the topic's
retention removes it, as on the topic itself (Kafka records are never rewritten).

A purge names key ids, not subjects: each subject of those keys is blanked, and reported only
when the service held events sealed under them (a purge touches many subjects; a service
that held nothing of one has nothing to prove).

An erasure's key ids include those of the subject's requests (an event naming no customer is
sealed under its request's stream): the events sealed under them are counted, and the parked
events of those request subjects blanked, in the one report of the erased subject. The read
models' hooks run for the erased subject only: each blanks the rows of that customer's
requests itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import REGISTRY, DomainEvent
from events.catalogue.retention import RetentionPurgeExecuted, ServiceDataErased, SubjectErased
from events.consumer import Handler
from events.envelope import Envelope
from events.persistence.projectors import Projectors
from events.pii.erasure import count_sealed_events_in
from events.pii.lookup import subjects_of_keys
from events.pii.sealing import sealed_key_id
from events.service.runtime import ServiceRuntime
from events.store import Transaction
from events.tables import parked_events

__all__ = [
    "ERASURE_STREAM",
    "blank_parked_events",
    "blanked_message",
    "erasure_handlers",
    "erasure_stream",
    "scrubbed",
]

ERASURE_STREAM = "subject_erasure"
ERASED_TEXT = "[erased]"


def erasure_stream(context: str, cause_id: UUID, subject: str) -> UUID:
    """One stream per (service, erasure or purge, subject): a redelivered cause finds it taken."""
    return uuid5(NAMESPACE_URL, f"guichet:{context}:erasure:{cause_id}:{subject}")


def erasure_handlers(
    runtime: ServiceRuntime, report: type[ServiceDataErased], read_models: Projectors | None
) -> dict[str, Handler]:
    """The consumer handlers of retention's erasures and purges for the service of ``runtime``:
    ``read_models`` holds its ``on_subject_erased`` hooks (``None``: its read models keep no
    clear personal value; it still reports), ``report`` its catalogued report."""
    context = REGISTRY.context_of(report.event_type)

    async def blank(
        connection: AsyncConnection,
        cause: str,
        cause_id: UUID,
        subject: str,
        categories: tuple[str, ...],
        key_ids: tuple[str, ...],
        at: datetime,
        *,
        record_none: bool = True,
        related: dict[str, list[str]] | None = None,
    ) -> None:
        erased = frozenset(categories)
        rows = await read_models.erase_subject(connection, subject, erased) if read_models else 0
        parked = await blank_parked_events(connection, subject, erased)
        affected = await count_sealed_events_in(connection, subject, key_ids)
        for other, other_key_ids in (related or {}).items():
            parked += await blank_parked_events(connection, other, erased)
            affected += await count_sealed_events_in(connection, other, other_key_ids)
        if not affected and not record_none:
            return
        record = report(
            cause=cause,
            cause_id=cause_id,
            subject=subject,
            categories=categories,
            key_ids=key_ids,
            events_affected=affected,
            read_model_rows=rows,
            parked_events=parked,
            at=at,
        )
        await Transaction(runtime.store, connection).append(
            erasure_stream(context, cause_id, subject), ERASURE_STREAM, 0, [record]
        )

    async def on_erased(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, SubjectErased)
        by_subject = await subjects_of_keys(runtime.keyring, event.key_ids) if event.key_ids else {}
        await blank(
            connection,
            "erasure",
            event.request_id,
            event.subject,
            event.categories,
            event.key_ids,
            event.at,
            related={other: ids for other, ids in by_subject.items() if other != event.subject},
        )

    async def on_purged(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, RetentionPurgeExecuted)
        if not event.key_ids:
            return
        for subject, key_ids in (await subjects_of_keys(runtime.keyring, event.key_ids)).items():
            await blank(
                connection,
                "purge",
                event.purge_id,
                subject,
                (event.category,),
                tuple(key_ids),
                event.at,
                record_none=False,
            )

    return {SubjectErased.event_type: on_erased, RetentionPurgeExecuted.event_type: on_purged}


async def blank_parked_events(
    connection: AsyncConnection, subject: str, categories: frozenset[str] | None
) -> int:
    """Blank the clear personal values of ``subject``'s parked events (any consumer of this
    database); the count of parked events changed.

    A parked event is kept as stored: its sealed fields are unreadable once the keys are gone.
    An event stored in clear (before its producer sealed, or by a store without keys) holds
    its personal fields in clear: they become their erased value, and any of them quoted in
    the parking error is blanked there too. Released events are blanked as well (kept for
    the record, replayed no more)."""
    path = parked_events.c.message[("pii", "subject")].as_string()
    rows = await connection.execute(
        select(parked_events.c.id, parked_events.c.message, parked_events.c.error).where(path == subject)
    )
    changed = 0
    for row_id, stored, error in rows.all():
        message = orjson.loads(stored) if isinstance(stored, str | bytes) else stored
        blanked, clear_values = blanked_message(message, categories)
        if not clear_values:
            continue
        await connection.execute(
            update(parked_events)
            .where(parked_events.c.id == row_id)
            .values(message=blanked, error=scrubbed(error, clear_values))
        )
        changed += 1
    return changed


def blanked_message(
    message: dict[str, Any], categories: frozenset[str] | None
) -> tuple[dict[str, Any], list[Any]]:
    """``message`` with its clear personal fields of ``categories`` erased, and those values."""
    data = message.get("data")
    pii = message.get("pii") or {}
    event_type = message.get("type")
    if not isinstance(data, dict) or not isinstance(event_type, str):
        return message, []
    known = REGISTRY.knows(event_type)
    field_categories = REGISTRY.model(event_type).pii_categories if known else {}
    blanked = dict(data)
    names: list[str] = []
    clear_values: list[Any] = []
    for field in pii.get("fields") or ():
        value = data.get(field)
        category = field_categories.get(field)
        if value is None or sealed_key_id(value) is not None:
            continue
        if categories is not None and category is not None and category not in categories:
            continue
        blanked[field] = REGISTRY.erased_value(event_type, field) if known else None
        names.append(field)
        clear_values.append(value)
    if not clear_values:
        return message, []
    erased_fields = sorted(set(message.get("erased_fields") or ()) | set(names))
    return message | {"data": blanked, "erased_fields": erased_fields}, clear_values


def scrubbed(error: str, clear_values: Iterable[Any]) -> str:
    """``error`` without any clear text of ``clear_values`` (a validation error quotes input)."""
    for text in sorted(set(_texts(clear_values)), key=len, reverse=True):
        error = error.replace(text, ERASED_TEXT)
    return error


def _texts(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            if value:
                yield value
        elif isinstance(value, dict):
            yield from _texts(value.values())
        elif isinstance(value, list | tuple):
            yield from _texts(value)
