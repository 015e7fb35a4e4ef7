"""The consumer entry point: approvals' decisions on content hashes -> the validations view,
and (``mail_events``) intake's and sla-clock's events that lead to emails; exactly once per
event (the platform consumer's inbox row commits with it)."""

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from documents.adapters.tables import validations
from documents.adapters.validations import STATUS_OF, record_validation
from documents.entrypoints.mail_events import MailEvents, reset_mail_views
from events.catalogue import DomainEvent
from events.consumer import Consumer
from events.envelope import Envelope

CONSUMER_NAME = "documents"


def make_consumer(engine: AsyncEngine, mail: MailEvents | None = None) -> Consumer:
    """``mail``: intake's and sla-clock's events that lead to emails (``mail_events``)."""

    async def handle(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        await record_validation(connection, event)

    async def reset(connection: AsyncConnection) -> None:
        await connection.execute(delete(validations))
        if mail is not None:
            await reset_mail_views(connection)

    handlers = {kind.event_type: handle for kind in STATUS_OF} | (mail.handlers() if mail else {})
    return Consumer(CONSUMER_NAME, engine, handlers, reset=reset)
