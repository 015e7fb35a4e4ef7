"""Erasure of a data subject in documents' read models: the clear copies it keeps are blanked.

Documents keeps in clear, per customer: their contact address (``customer_contacts``), their
requests' facts for relance emails (``request_facts``: address, subject, what was expected)
and the emails it holds (``mail_outbox``: recipients, the rendered message until it is sent,
a relance's text). Each value is blanked when the category its source event declares for the
field is erased, as the events themselves become unreadable then: what the law keeps (an
erasure that keeps billing, say) stays readable in both. An email still waiting to leave for
an erased recipient fails, never sent. The documents rows hold no clear personal value (their
content lives in their events, sealed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.outbox import FAILED, WAITING, customer_contacts, mail_outbox, request_facts
from documents.adapters.tables import documents
from events.catalogue.documents import DocumentDrafted, RelanceSent
from events.catalogue.intake import AwaitingCustomer, CustomerRegistered, RequestReceived
from events.persistence import erased_subject_id, erasure_reaches

ERASED_BEFORE_SENDING = "not sent: the recipient's personal data was erased"

_FACT_COLUMNS = {
    "email": RequestReceived.pii_categories["contact"],
    "subject": RequestReceived.pii_categories["subject"],
    "expected": AwaitingCustomer.pii_categories["expected"],
}


async def blank_subject(connection: AsyncConnection, subject: str, categories: frozenset[str] | None) -> int:
    """The contact, request-fact and email rows blanked."""
    subject_id = erased_subject_id(subject)
    if subject_id is None:
        return 0
    rows = 0
    if erasure_reaches(CustomerRegistered.pii_categories["email"], categories):
        result = await connection.execute(
            update(customer_contacts).where(customer_contacts.c.customer_id == subject_id).values(email=None)
        )
        rows += result.rowcount
    of_subject = or_(request_facts.c.customer_id == subject_id, request_facts.c.request_id == subject_id)
    request_ids = list((await connection.scalars(select(request_facts.c.request_id).where(of_subject))).all())
    fact_values = {
        column: None for column, category in _FACT_COLUMNS.items() if erasure_reaches(category, categories)
    }
    if fact_values and request_ids:
        result = await connection.execute(
            update(request_facts).where(request_facts.c.request_id.in_(request_ids)).values(**fact_values)
        )
        rows += result.rowcount
    if erasure_reaches(RelanceSent.pii_categories["content"], categories) and request_ids:
        rows += await _blank_mail(connection, mail_outbox.c.request_id.in_(request_ids))
    document_ids = list(
        (
            await connection.scalars(
                select(documents.c.document_id).where(documents.c.customer_id == subject_id)
            )
        ).all()
    )
    if erasure_reaches(DocumentDrafted.pii_categories["recipients"], categories) and document_ids:
        rows += await _blank_mail(connection, mail_outbox.c.document_id.in_(document_ids))
    return rows


async def _blank_mail(connection: AsyncConnection, which: Any) -> int:
    """Emails of ``which``: recipients, message and details dropped; a waiting one fails."""
    others = await connection.execute(
        update(mail_outbox)
        .where(which, mail_outbox.c.state != WAITING)
        .values(recipients=[], message=None, details={})
    )
    waiting = await connection.execute(
        update(mail_outbox)
        .where(which, mail_outbox.c.state == WAITING)
        .values(recipients=[], message=None, details={}, state=FAILED, last_error=ERASED_BEFORE_SENDING)
    )
    return waiting.rowcount + others.rowcount
