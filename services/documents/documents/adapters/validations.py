"""The documents service's own view of validations, from approvals' events: for each content
hash and approval, whether its validation is in force (validated) or not (rejected,
withdrawn, expired). The transmission gate reads nothing else."""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.tables import validations
from events.catalogue import DomainEvent
from events.catalogue import approvals as a
from events.persistence import upsert

STATUS_OF: dict[type[DomainEvent], str] = {
    a.ResponseValidated: "validated",
    a.ResponseRejected: "rejected",
    a.ApprovalWithdrawn: "withdrawn",
    a.ApprovalExpired: "expired",
}


def _at(event: DomainEvent) -> datetime:
    for name in ("validated_at", "rejected_at", "withdrawn_at", "expired_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value.astimezone(UTC)
    raise ValueError(f"{type(event).__name__} has no instant")


async def record_validation(connection: AsyncConnection, event: DomainEvent) -> None:
    if not isinstance(
        event, (a.ResponseValidated, a.ResponseRejected, a.ApprovalWithdrawn, a.ApprovalExpired)
    ):
        raise TypeError(f"not an approvals decision: {type(event).__name__}")
    approval_id: UUID = event.approval_id
    await upsert(
        connection,
        validations,
        {
            "content_hash": event.content_hash,
            "approval_id": approval_id,
            "status": STATUS_OF[type(event)],
            "level": getattr(event, "level", None),
            "changed_at": _at(event),
        },
        ["content_hash", "approval_id"],
    )
