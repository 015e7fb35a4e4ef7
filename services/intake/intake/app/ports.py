"""Ports of the intake use cases: what handlers need from the outside world, as Protocols."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from events.envelope import Metadata
from intake.domain.customer import Customer
from intake.domain.duplicates import CustomerIdentity
from intake.domain.request import ServiceRequest


class Clock(Protocol):
    """The only source of "now" for use cases; always timezone-aware."""

    def now(self) -> datetime: ...


class RequestRepository(Protocol):
    async def get(self, request_id: UUID) -> ServiceRequest:
        """The request at its latest version; `NotFound` if there is none."""

    def add(self, request: ServiceRequest) -> None:
        """Track a new request: it is saved on commit."""

    async def next_reference(self, year: int) -> str:
        """A new human reference ("DEM-2026-000123"), unique, allocated in this transaction."""


class CustomerRepository(Protocol):
    async def get(self, customer_id: UUID) -> Customer:
        """The customer at its latest version; `NotFound` if there is none."""

    def add(self, customer: Customer) -> None: ...

    async def candidates(self, identity: CustomerIdentity) -> list[CustomerIdentity]:
        """Existing, unmerged customers sharing a duplicate-detection block key with `identity`."""


@dataclass(frozen=True, slots=True)
class IdempotentCall:
    request_hash: str
    request_id: UUID


class IdempotencyKeys(Protocol):
    async def claim(self, key: str, actor: str, call: IdempotentCall) -> IdempotentCall | None:
        """Record `call` under the actor's key unless a call is recorded there already: `None`
        when this one was recorded (in the transaction of the request it creates), else the
        call recorded first. A concurrent claim of the same key waits for the other to commit."""


class UnitOfWork(Protocol):
    """One transaction: events, projections and idempotency keys commit together or not at all."""

    requests: RequestRepository
    customers: CustomerRepository
    idempotency: IdempotencyKeys

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self, metadata: Metadata) -> None:
        """Append the pending events of every aggregate touched, update the projections."""
