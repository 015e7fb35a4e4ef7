"""The consumer entry point: approvals' decisions on content hashes -> the validations view,
exactly once per event (the platform consumer's inbox row commits with it)."""

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from documents.adapters.tables import validations
from documents.adapters.validations import STATUS_OF, record_validation
from events.catalogue import DomainEvent
from events.consumer import Consumer
from events.envelope import Envelope

CONSUMER_NAME = "documents"


def make_consumer(engine: AsyncEngine) -> Consumer:
    async def handle(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        await record_validation(connection, event)

    async def reset(connection: AsyncConnection) -> None:
        await connection.execute(delete(validations))

    return Consumer(CONSUMER_NAME, engine, {kind.event_type: handle for kind in STATUS_OF}, reset=reset)
