"""Ports of the intake use cases: the kit's ports, extended with intake's repositories."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from events.application import ports
from events.application.ports import Clock
from intake.domain.customer import Customer
from intake.domain.duplicates import CustomerIdentity
from intake.domain.request import ServiceRequest

__all__ = [
    "Clock",
    "CustomerRepository",
    "IdempotencyKeys",
    "IdempotentCall",
    "RequestRepository",
    "UnitOfWork",
]


class RequestRepository(ports.Repository[ServiceRequest], Protocol):
    async def next_reference(self, year: int) -> str:
        """A new human reference ("DEM-2026-000123"), unique, allocated in this transaction."""
        ...


class CustomerRepository(ports.Repository[Customer], Protocol):
    async def candidates(self, identity: CustomerIdentity) -> list[CustomerIdentity]:
        """Existing, unmerged customers sharing a duplicate-detection block key with `identity`."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotentCall:
    request_hash: str
    request_id: UUID


class IdempotencyKeys(Protocol):
    async def claim(self, key: str, actor: str, call: IdempotentCall) -> IdempotentCall | None:
        """Record `call` under the actor's key unless a call is recorded there already: `None`
        when this one was recorded (in the transaction of the request it creates), else the
        call recorded first. A concurrent claim of the same key waits for the other to commit."""
        ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    """One transaction: events, projections and idempotency keys commit together or not at all."""

    requests: RequestRepository
    customers: CustomerRepository
    idempotency: IdempotencyKeys
