"""Erasure of a data subject in intake's read models: clear personal values are blanked.

The events already read as erased once the subject's keys are destroyed; the read models
hold copies in clear, so each column is blanked when the category its event declares for
the field is erased. The subject is a customer id, or a request's stream id for a sender
who is not a customer.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue.intake import CustomerRegistered, RequestReceived
from events.persistence import erased_subject_id, erasure_reaches
from intake.adapters.tables import customer_block_keys, customers, requests
from intake.domain.text import fold

_CUSTOMER_COLUMNS = {
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "email": ("email",),
    "phone": ("phone",),
    "address": ("street", "postal_code", "city"),
}
_REQUEST_COLUMNS = ("contact", "subject", "description")


async def blank_subject(connection: AsyncConnection, subject: str, categories: frozenset[str] | None) -> int:
    """The customer and request rows blanked."""
    subject_id = erased_subject_id(subject)
    if subject_id is None:
        return 0
    rows = 0
    customer_values: dict[str, None] = {
        column: None
        for field, columns in _CUSTOMER_COLUMNS.items()
        if erasure_reaches(CustomerRegistered.pii_categories[field], categories)
        for column in columns
    }
    if customer_values:
        company = await connection.scalar(
            select(customers.c.company).where(customers.c.customer_id == subject_id)
        )
        blanked = await connection.execute(
            update(customers)
            .where(customers.c.customer_id == subject_id)
            .values(**customer_values, search_name=fold(company or ""))
        )
        rows += blanked.rowcount
        await connection.execute(
            delete(customer_block_keys).where(customer_block_keys.c.customer_id == subject_id)
        )
    request_values: dict[str, None] = {
        column: None
        for column in _REQUEST_COLUMNS
        if erasure_reaches(RequestReceived.pii_categories[column], categories)
    }
    if request_values:
        blanked = await connection.execute(
            update(requests)
            .where(or_(requests.c.customer_id == subject_id, requests.c.request_id == subject_id))
            .values(**request_values)
        )
        rows += blanked.rowcount
    return rows
