"""Synchronous projections: the read-model rows of an aggregate, written in the command's transaction.

Each row is a function of the aggregate's state after the command, so the read model never
lags the events and can be rebuilt by folding the streams again.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.persistence import Projectors
from intake.adapters.erasure import blank_subject
from intake.adapters.tables import customer_block_keys, customers, requests
from intake.domain.customer import Customer
from intake.domain.duplicates import block_keys
from intake.domain.request import ServiceRequest
from intake.domain.text import fold


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _value(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def request_row(request: ServiceRequest, now: datetime) -> dict[str, Any]:
    return {
        "request_id": request.id,
        "reference": request.reference,
        "version": request.version,
        "status": request.status.value,
        "channel": _value(request.channel),
        "received_at": utc(request.received_at),
        "updated_at": utc(now),
        "customer_id": request.customer_id,
        "contact": request.contact,
        "subject": request.subject,
        "description": request.description,
        "category": request.category,
        "profile": _value(request.profile),
        "impact": _value(request.impact),
        "urgency": _value(request.urgency),
        "workaround": _value(request.workaround),
        "priority": _value(request.priority),
        "queue_exception": _value(request.queue_exception),
        "team": request.team,
        "agent": request.agent,
        "transfers": request.transfers,
        "flagged": request.flagged,
        "missing_fields": list(request.missing_fields),
        "escalated_to": request.escalated_to,
        "escalation_taken_by": request.escalation_taken_by,
        "acknowledged_at": utc(request.acknowledged_at),
        "resolved_at": utc(request.resolved_at),
        "closed_at": utc(request.closed_at),
        "interactions": request.interactions,
        "commitments": [
            {
                "commitment_id": str(c.commitment_id),
                "deliverable": c.deliverable,
                "due_at": c.due_at.isoformat(),
                "made_at": c.made_at.isoformat(),
                "fulfilled_at": c.fulfilled_at.isoformat() if c.fulfilled_at else None,
            }
            for c in request.commitments.values()
        ],
        "csat": request.csat,
        "nps": request.nps,
    }


# Built once and executed with a parameter dict: compiled once (SQLAlchemy's cache), instead of
# a new statement with literal values, whose cache key is recomputed value by value, per call.
_INSERT_REQUEST = insert(requests)
_UPDATE_REQUEST = update(requests).where(requests.c.request_id == bindparam("target_request_id"))


async def project_request(
    connection: AsyncConnection, request: ServiceRequest, created: bool, now: datetime
) -> dict[str, Any]:
    """Write the request's read-model row; returns it (complete, as stored, when `created`)."""
    row = request_row(request, now)
    if created:
        row["recorded_at"] = utc(now)
        await connection.execute(_INSERT_REQUEST, row)
    else:
        await connection.execute(_UPDATE_REQUEST, row | {"target_request_id": request.id})
    return row


def customer_row(customer: Customer, now: datetime) -> dict[str, Any]:
    draft = {name: _value(value) for name, value in asdict(customer.draft).items()}
    name = " ".join(filter(None, (draft["first_name"], draft["last_name"], draft["company"])))
    return draft | {
        "customer_id": customer.id,
        "version": customer.version,
        "contract_refs": list(customer.draft.contract_refs),
        "contract_end": customer.draft.contract_end,
        "prospection_consent": customer.prospection_consent,
        "duplicate_override_reason": customer.duplicate_override_reason,
        "merged_into": customer.merged_into,
        "search_name": fold(name),
        "updated_at": utc(now),
    }


async def project_customer(
    connection: AsyncConnection, customer: Customer, created: bool, now: datetime
) -> None:
    row = customer_row(customer, now)
    if created:
        await connection.execute(insert(customers).values(**row, created_at=utc(now)))
    else:
        await connection.execute(
            update(customers).where(customers.c.customer_id == customer.id).values(**row)
        )
    # A merged record is no longer a duplicate candidate: its survivor is.
    keys = set() if customer.merged_into else block_keys(customer.identity())
    await connection.execute(
        delete(customer_block_keys).where(customer_block_keys.c.customer_id == customer.id)
    )
    if keys:
        await connection.execute(
            insert(customer_block_keys), [{"block_key": key, "customer_id": customer.id} for key in keys]
        )


PROJECTORS = Projectors()
PROJECTORS.register(ServiceRequest, project_request)
PROJECTORS.register(Customer, project_customer)
PROJECTORS.on_subject_erased(blank_subject)
