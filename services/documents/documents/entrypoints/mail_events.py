"""What documents consumes to write to customers: intake's requests and customers (the few facts
a relance or a survey needs), sla-clock's ``RelanceDue`` (a relance into the outbox) and
intake's ``RequestResolved`` (the satisfaction survey into the outbox). Each message is put in
the outbox in the consumer's transaction, with the inbox row: exactly once per event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.outbox import (
    SqlMailOutbox,
    customer_contact,
    customer_contacts,
    record_customer,
    record_request,
    request_facts,
    request_of,
)
from documents.app.mail import Mail, MailIdentity, RequestFacts
from documents.app.relances import prepare_relance
from documents.app.surveys import prepare_survey
from events.catalogue import DomainEvent
from events.catalogue import intake as i
from events.catalogue import sla_clock as s
from events.envelope import Envelope

log = structlog.get_logger()

Handler = Callable[[Envelope, DomainEvent, AsyncConnection], Awaitable[None]]


class MailEvents:
    def __init__(
        self,
        identity: MailIdentity,
        now: Callable[[], datetime],
        survey_link: Callable[[RequestFacts, datetime], str | None],
    ) -> None:
        self.identity, self.now, self.survey_link = identity, now, survey_link

    def handlers(self) -> dict[str, Handler]:
        return {
            i.CustomerRegistered.event_type: self.customer_registered,
            i.CustomerUpdated.event_type: self.customer_updated,
            i.RequestReceived.event_type: self.request_received,
            i.AwaitingCustomer.event_type: self.awaiting_customer,
            i.RequestResolved.event_type: self.request_resolved,
            s.RelanceDue.event_type: self.relance_due,
        }

    async def customer_registered(
        self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, i.CustomerRegistered)
        await record_customer(connection, event.customer_id, event.email, event.language)

    async def customer_updated(
        self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, i.CustomerUpdated)
        known = await customer_contact(connection, event.customer_id) or (None, "fr")
        email = event.changes.get("email", known[0])
        language = event.changes.get("language", known[1])
        await record_customer(connection, event.customer_id, str(email) if email else None, str(language))

    async def request_received(
        self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, i.RequestReceived)
        known = await customer_contact(connection, event.customer_id) if event.customer_id else None
        email, language = known or (None, "fr")
        if email is None and event.contact and "@" in event.contact:
            email = event.contact
        facts = RequestFacts(
            event.request_id,
            event.reference,
            event.received_at,
            event.subject,
            event.customer_id,
            email,
            language,
        )
        await record_request(connection, facts)

    async def awaiting_customer(
        self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, i.AwaitingCustomer)
        facts = await request_of(connection, event.request_id)
        if facts is not None:
            await record_request(connection, replace(facts, expected=event.expected))

    async def relance_due(self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, s.RelanceDue)
        facts = await request_of(connection, event.request_id)
        mail = prepare_relance(event, facts, self.identity, self.now()) if facts else None
        await self._put(connection, mail, "relance", event.request_id)

    async def request_resolved(
        self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, i.RequestResolved)
        facts = await request_of(connection, event.request_id)
        link = self.survey_link(facts, event.at) if facts else None
        mail = prepare_survey(facts, event.at, link, self.identity, self.now()) if facts and link else None
        await self._put(connection, mail, "survey", event.request_id)

    async def _put(
        self, connection: AsyncConnection, mail: Mail | None, what: str, request_id: object
    ) -> None:
        if mail is None:
            log.warning("documents.no_email_for_customer", purpose=what, request_id=str(request_id))
            return
        await SqlMailOutbox(connection).put(mail, self.now())


async def reset_mail_views(connection: AsyncConnection) -> None:
    await connection.execute(delete(request_facts))
    await connection.execute(delete(customer_contacts))
