"""The consumer entry point: approvals' decisions on content hashes -> the validations view,
intake's assignments and transfers -> the team of each request (need-to-know reads),
(``mail_events``) intake's and sla-clock's events that lead to emails, and retention's
erasures and purges -> documents' clear copies blanked and its report recorded
(``events.service.erasure``); exactly once per event (the platform consumer's inbox row
commits with it)."""

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from documents.adapters.projection import PROJECTORS
from documents.adapters.request_teams import request_team_handlers
from documents.adapters.tables import request_teams, validations
from documents.adapters.validations import STATUS_OF, record_validation
from documents.entrypoints.mail_events import MailEvents, reset_mail_views
from events.catalogue import DomainEvent
from events.catalogue.documents import SubjectDataErased
from events.consumer import Consumer, Handler
from events.envelope import Envelope
from events.service.erasure import erasure_handlers
from events.service.runtime import ServiceRuntime

CONSUMER_NAME = "documents"


def erasure(runtime: ServiceRuntime) -> dict[str, Handler]:
    """The handlers of retention's erasures and purges, for :func:`make_consumer`."""
    return erasure_handlers(runtime, SubjectDataErased, PROJECTORS)


def make_consumer(
    engine: AsyncEngine, mail: MailEvents | None = None, erasure: dict[str, Handler] | None = None
) -> Consumer:
    """``mail``: intake's and sla-clock's events that lead to emails (``mail_events``);
    ``erasure``: retention's erasures and purges (:func:`erasure`)."""

    async def handle(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        await record_validation(connection, event)

    async def reset(connection: AsyncConnection) -> None:
        await connection.execute(delete(validations))
        await connection.execute(delete(request_teams))
        if mail is not None:
            await reset_mail_views(connection)

    handlers = (
        {kind.event_type: handle for kind in STATUS_OF}
        | request_team_handlers()
        | (mail.handlers() if mail else {})
        | (erasure or {})
    )
    return Consumer(CONSUMER_NAME, engine, handlers, reset=reset)
