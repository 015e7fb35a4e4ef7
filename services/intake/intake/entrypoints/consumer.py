"""The consumer entry point: retention's erasures and purges -> intake's read models blanked,
and a ``SubjectDataErased`` recorded per subject with the count of intake's events sealed
under the destroyed keys (retention completes its proof with it). Exactly once per event:
the platform consumer's inbox row commits with the blanking and the record."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import DomainEvent
from events.catalogue.intake import SubjectDataErased
from events.catalogue.retention import RetentionPurgeExecuted, SubjectErased
from events.consumer import Consumer, Handler
from events.envelope import Envelope
from events.pii.erasure import count_sealed_events_in
from events.pii.lookup import subjects_of_keys
from events.service.runtime import ServiceRuntime
from events.store import Transaction
from intake.adapters.projection import PROJECTORS

CONSUMER_NAME = "intake"
ERASURE_STREAM = "subject_erasure"


def erasure_stream(cause_id: UUID, subject: str) -> UUID:
    """One stream per (erasure or purge, subject): a redelivered cause finds its stream taken."""
    return uuid5(NAMESPACE_URL, f"guichet:intake:erasure:{cause_id}:{subject}")


def build_consumer(runtime: ServiceRuntime) -> Consumer:
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
    ) -> None:
        await PROJECTORS.erase_subject(connection, subject, frozenset(categories))
        affected = await count_sealed_events_in(connection, subject, key_ids)
        if not affected and not record_none:
            return
        record = SubjectDataErased(
            cause=cause,
            cause_id=cause_id,
            subject=subject,
            categories=categories,
            key_ids=key_ids,
            events_affected=affected,
            at=at,
        )
        await Transaction(runtime.store, connection).append(
            erasure_stream(cause_id, subject), ERASURE_STREAM, 0, [record]
        )

    async def on_erased(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, SubjectErased)
        await blank(
            connection, "erasure", event.request_id, event.subject, event.categories, event.key_ids, event.at
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

    handlers: dict[str, Handler] = {
        SubjectErased.event_type: on_erased,
        RetentionPurgeExecuted.event_type: on_purged,
    }
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
