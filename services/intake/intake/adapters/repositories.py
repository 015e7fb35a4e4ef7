"""Event-sourced repositories and the bookkeeping tables, all over one store transaction."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from events.aggregate import Aggregate, load
from events.store import StreamNotFound, Transaction
from intake.adapters.tables import customer_block_keys, customers, idempotency_keys, reference_counters
from intake.app.errors import Conflict, NotFound
from intake.app.ports import IdempotentCall
from intake.domain.customer import Customer
from intake.domain.duplicates import CustomerIdentity, block_keys
from intake.domain.request import ServiceRequest

REFERENCE_PREFIX = "DEM"


class Tracked:
    """Aggregates loaded or added in this transaction, with whether each is new."""

    def __init__(self) -> None:
        self.seen: list[tuple[Aggregate, bool]] = []

    def track(self, aggregate: Aggregate, created: bool) -> None:
        self.seen.append((aggregate, created))


async def _load(tx: Transaction, cls: type, stream_id: UUID, kind: str, tracked: Tracked):  # type: ignore[no-untyped-def]
    try:
        aggregate = await load(tx, cls, stream_id)
    except StreamNotFound:
        raise NotFound(kind, stream_id) from None
    if not aggregate.exists:
        raise NotFound(kind, stream_id)  # the id of another kind of stream
    tracked.track(aggregate, created=False)
    return aggregate


class SqlRequestRepository:
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        self.tx, self.tracked = tx, tracked

    async def get(self, request_id: UUID) -> ServiceRequest:
        return await _load(self.tx, ServiceRequest, request_id, "request", self.tracked)  # type: ignore[no-any-return]

    def add(self, request: ServiceRequest) -> None:
        self.tracked.track(request, created=True)

    async def next_reference(self, year: int) -> str:
        dialect = postgresql if self.tx.connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(reference_counters).values(year=year, last=1)
        statement = statement.on_conflict_do_update(
            index_elements=["year"], set_={"last": reference_counters.c.last + 1}
        ).returning(reference_counters.c.last)
        number = (await self.tx.connection.execute(statement)).scalar_one()
        return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


class SqlCustomerRepository:
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        self.tx, self.tracked = tx, tracked

    async def get(self, customer_id: UUID) -> Customer:
        return await _load(self.tx, Customer, customer_id, "customer", self.tracked)  # type: ignore[no-any-return]

    def add(self, customer: Customer) -> None:
        self.tracked.track(customer, created=True)

    async def candidates(self, identity: CustomerIdentity) -> list[CustomerIdentity]:
        keys = block_keys(identity)
        if not keys:
            return []
        matching = select(customer_block_keys.c.customer_id).where(customer_block_keys.c.block_key.in_(keys))
        rows = await self.tx.connection.execute(
            select(customers).where(customers.c.customer_id.in_(matching), customers.c.merged_into.is_(None))
        )
        return [
            CustomerIdentity(str(r.customer_id), r.first_name, r.last_name, r.company, r.email, r.phone,
                             r.postal_code, r.country)
            for r in rows
        ]


class SqlIdempotencyKeys:
    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        self.connection, self.now = connection, now

    async def find(self, key: str, actor: str) -> IdempotentCall | None:
        row = (await self.connection.execute(
            select(idempotency_keys).where(idempotency_keys.c.key == key, idempotency_keys.c.actor == actor)
        )).first()
        return IdempotentCall(row.request_hash, row.request_id) if row else None

    async def remember(self, key: str, actor: str, call: IdempotentCall) -> None:
        try:
            await self.connection.execute(idempotency_keys.insert().values(
                key=key, actor=actor, request_hash=call.request_hash, request_id=call.request_id,
                created_at=self.now,
            ))
        except IntegrityError as error:  # the whole transaction rolls back; the bus retries once
            raise Conflict("the same Idempotency-Key is being used concurrently") from error
