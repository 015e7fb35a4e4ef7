"""Use cases against in-memory fakes of the ports: outcomes and events, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

import pytest

from events.aggregate_base import Aggregate
from events.application.bus import MessageBus
from events.application.errors import IdempotencyKeyReused, NotFound, StaleVersion, UnknownReference
from events.catalogue import DomainEvent
from events.envelope import Metadata
from events.vocabulary import Channel
from intake.app import commands as c
from intake.app.bus import intake_bus
from intake.app.ports import IdempotentCall, UnitOfWork
from intake.app.rules import DEFAULT_RULES
from intake.domain.customer import Customer
from intake.domain.customers import CustomerDraft
from intake.domain.duplicates import CustomerIdentity
from intake.domain.errors import DuplicateSuspected
from intake.domain.request import ServiceRequest
from intake.domain.vocabulary import CustomerProfile, Impact, Urgency, Workaround

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A = TypeVar("A", bound=Aggregate)
META = Metadata(actor="alice")


class FixedClock:
    def now(self) -> datetime:
        return NOW


class FakeRepository(Generic[A]):
    kind: ClassVar[str]

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.items: dict[UUID, A] = {}

    async def get(self, entity_id: UUID) -> A:
        if entity_id not in self.items:
            raise NotFound(self.kind, entity_id)
        return self.items[entity_id]

    def add(self, aggregate: A) -> None:
        self.items[aggregate.id] = aggregate


class FakeRequests(FakeRepository[ServiceRequest]):
    kind = "request"

    async def next_reference(self, year: int) -> str:
        self.uow.references += 1
        return f"DEM-{year}-{self.uow.references:06d}"


class FakeCustomers(FakeRepository[Customer]):
    kind = "customer"

    async def candidates(self, identity: CustomerIdentity) -> list[CustomerIdentity]:
        return [c.identity() for c in self.items.values() if c.merged_into is None]


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], IdempotentCall] = {}

    async def find(self, key: str, actor: str) -> IdempotentCall | None:
        return self.keys.get((key, actor))

    async def remember(self, key: str, actor: str, call: IdempotentCall) -> None:
        self.keys[(key, actor)] = call

    async def claim(self, key: str, actor: str, call: IdempotentCall) -> IdempotentCall | None:
        previous = await self.find(key, actor)
        if previous is None:
            await self.remember(key, actor, call)
        return previous


class FakeUnitOfWork(UnitOfWork):
    """Keeps what was committed; `events` lists every event appended, in order."""

    def __init__(self) -> None:
        self.references = 0
        self.requests = FakeRequests(self)
        self.customers = FakeCustomers(self)
        self.idempotency = FakeIdempotencyKeys()
        self.events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    async def rollback(self) -> None:
        pass

    async def commit(self, metadata: Metadata) -> None:
        for aggregate in [*self.requests.items.values(), *self.customers.items.values()]:
            self.events.extend(aggregate.pending)
            aggregate.version += len(aggregate.pending)
            aggregate.pending = []


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def bus(uow) -> MessageBus:
    return intake_bus(lambda: uow, FixedClock(), DEFAULT_RULES)


def receive(**fields: Any) -> c.ReceiveRequest:
    """An e-mail reception from alice, with ``fields`` changed."""
    base = c.ReceiveRequest(
        metadata=META, actor="alice", channel=Channel.EMAIL, received_at=NOW, contact="a@b.fr"
    )
    return replace(base, **fields)


async def test_reception_allocates_a_reference_and_records_the_request(bus, uow):
    request, created = await bus.handle(receive())
    assert created and request.reference == "DEM-2026-000001"
    assert [type(e).__name__ for e in uow.events] == ["RequestReceived"]


async def test_an_idempotent_retry_returns_the_first_request(bus, uow):
    first, _ = await bus.handle(receive(idempotency_key="k", request_hash="h1"))
    again, created = await bus.handle(receive(idempotency_key="k", request_hash="h1"))
    assert again is first and not created and len(uow.events) == 1
    with pytest.raises(IdempotencyKeyReused):
        await bus.handle(receive(idempotency_key="k", request_hash="h2"))


async def test_qualification_takes_the_profile_of_the_customer(bus, uow):
    customer = Customer.register(UUID(int=7), CustomerDraft(CustomerProfile.STRATEGIC, last_name="X"), False)
    uow.customers.add(customer)
    qualification = c.Qualification(
        category="billing", impact=Impact.LOW, urgency=Urgency.LOW, workaround=Workaround.AVAILABLE
    )
    request, _ = await bus.handle(receive(customer_id=customer.id, qualification=qualification))
    assert request.profile is CustomerProfile.STRATEGIC
    with pytest.raises(UnknownReference) as unknown:
        await bus.handle(receive(qualification=qualification))
    assert unknown.value.field == "profile"


async def test_a_stale_version_is_refused_before_any_rule(bus, uow):
    request, _ = await bus.handle(receive())
    with pytest.raises(StaleVersion):
        await bus.handle(c.AcknowledgeRequest(request_id=request.id, expected_version=7, metadata=META))
    acknowledged: ServiceRequest = await bus.handle(
        c.AcknowledgeRequest(request_id=request.id, expected_version=1, metadata=META)
    )
    assert acknowledged.version == 2


async def test_a_duplicate_customer_needs_a_decision(bus, uow):
    details = CustomerDraft(CustomerProfile.B2C, first_name="Jean", last_name="Martin", email="j@m.fr")
    first = await bus.handle(c.RegisterCustomer(metadata=META, details=details))
    with pytest.raises(DuplicateSuspected) as suspected:
        await bus.handle(c.RegisterCustomer(metadata=META, details=details))
    assert [d.customer_id for d in suspected.value.candidates] == [str(first.id)]
    merged = await bus.handle(c.RegisterCustomer(metadata=META, details=details, merge_into=first.id))
    assert merged.merged_into == first.id
    assert [type(e).__name__ for e in uow.events] == [
        "CustomerRegistered",
        "CustomerAbsorbed",
        "CustomerRegistered",
        "CustomersMerged",
    ]
    assert first.absorbed == (merged.id,) and first.version == 2
